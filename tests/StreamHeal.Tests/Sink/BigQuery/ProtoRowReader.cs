using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace StreamHeal.Tests.Sink.BigQuery;

/// <summary>Reads encoded rows back field by field with <see cref="CodedInputStream"/>, as any protobuf reader would.</summary>
internal static class ProtoRowReader
{
    public static Dictionary<string, object> Read(DescriptorProto descriptor, byte[] row)
    {
        var byNumber = descriptor.Field.ToDictionary(field => field.Number);
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        var input = new CodedInputStream(row);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = byNumber[WireFormat.GetTagFieldNumber(tag)];
            values.Add(field.Name, field.Type switch
            {
                FieldDescriptorProto.Types.Type.String => input.ReadString(),
                FieldDescriptorProto.Types.Type.Int64 => input.ReadInt64(),
                FieldDescriptorProto.Types.Type.Int32 => input.ReadInt32(),
                FieldDescriptorProto.Types.Type.Double => input.ReadDouble(),
                FieldDescriptorProto.Types.Type.Bool => input.ReadBool(),
                FieldDescriptorProto.Types.Type.Bytes => input.ReadBytes().ToByteArray(),
                _ => throw new InvalidDataException($"Unexpected proto type {field.Type}."),
            });
        }

        return values;
    }

    /// <summary>Splits framed rows (repeated field 1, as in ProtoRows) into the row messages.</summary>
    public static List<byte[]> Unframe(ReadOnlyMemory<byte> framed)
    {
        var rows = new List<byte[]>();
        var input = new CodedInputStream(framed.ToArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 1 || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
            {
                throw new InvalidDataException($"Unexpected tag {tag} between rows.");
            }

            rows.Add(input.ReadBytes().ToByteArray());
        }

        return rows;
    }
}
