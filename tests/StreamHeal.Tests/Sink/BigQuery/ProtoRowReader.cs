using Google.Protobuf;
using Google.Protobuf.Reflection;
using StreamHeal.Dev.BigQuery;
using Xunit;

namespace StreamHeal.Tests.Sink.BigQuery;

/// <summary>Reads encoded rows back field by field, with the fake BigQuery's reader, as any protobuf reader would.</summary>
internal static class ProtoRowReader
{
    public static Dictionary<string, object> Read(DescriptorProto descriptor, byte[] row)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        Assert.Null(FakeRowDecoder.ReadFields(descriptor, row, values));
        return values.ToDictionary(pair => pair.Key, pair => pair.Value!, StringComparer.Ordinal);
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
