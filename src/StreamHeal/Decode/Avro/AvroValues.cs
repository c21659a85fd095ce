using System.Text;
using System.Text.Unicode;
using StreamHeal.Records;

namespace StreamHeal.Decode.Avro;

/// <summary>Decodes one non-union value into a <see cref="FieldValue"/>; see <see cref="AvroFlattener"/> for the mapping.</summary>
internal static class AvroValues
{
    public static FieldValue Read(ref AvroReader reader, AvroType type)
    {
        switch (type.Kind)
        {
            case AvroKind.Null:
                return FieldValue.Null;
            case AvroKind.Boolean:
                return FieldValue.FromBool(reader.ReadBoolean());
            case AvroKind.Int or AvroKind.TimeMillis:
                return FieldValue.FromInt64(reader.ReadInt());
            case AvroKind.Long or AvroKind.TimeMicros:
                return FieldValue.FromInt64(reader.ReadLong());
            case AvroKind.Float:
                return FieldValue.FromDouble(reader.ReadFloat());
            case AvroKind.Double:
                return FieldValue.FromDouble(reader.ReadDouble());
            case AvroKind.Bytes:
                return FieldValue.FromString(Convert.ToBase64String(reader.ReadBytes()));
            case AvroKind.Fixed:
                return FieldValue.FromString(Convert.ToBase64String(reader.Take(type.Size)));
            case AvroKind.String or AvroKind.UuidString:
                return FieldValue.FromString(ReadString(ref reader));
            case AvroKind.Enum:
                return FieldValue.FromString(type.Symbols[reader.ReadIndex(type.Symbols.Length, "enum symbol")]);
            case AvroKind.DecimalBytes:
                return FieldValue.FromString(AvroText.Decimal(reader.ReadBytes(), type.Scale));
            case AvroKind.DecimalFixed:
                return FieldValue.FromString(AvroText.Decimal(reader.Take(type.Size), type.Scale));
            case AvroKind.Duration:
                return FieldValue.FromString(AvroText.Duration(reader.Take(12)));
            case AvroKind.Date:
                var days = reader.ReadInt();
                return AvroText.Date(days) is { } date ? FieldValue.FromString(date) : FieldValue.FromInt64(days);
            case AvroKind.TimestampMillis or AvroKind.TimestampMicros or AvroKind.LocalTimestampMillis or AvroKind.LocalTimestampMicros:
                return Timestamp(reader.ReadLong(), type.Kind);
            default:
                return FieldValue.FromJson(AvroJson.Write(ref reader, type));
        }
    }

    /// <summary>Reads an Avro string, which must be valid UTF-8: a lossy decode would change data without telling anyone.</summary>
    public static string ReadString(ref AvroReader reader) => Encoding.UTF8.GetString(ReadUtf8(ref reader));

    public static ReadOnlySpan<byte> ReadUtf8(ref AvroReader reader)
    {
        var start = reader.Position;
        var utf8 = reader.ReadBytes();
        if (!Utf8.IsValid(utf8))
        {
            AvroThrow.Invalid(start, "string is not valid UTF-8");
        }

        return utf8;
    }

    private static FieldValue Timestamp(long value, AvroKind kind)
    {
        var text = AvroText.Timestamp(value, kind);
        // Beyond years 1-9999 no ISO text exists; keeping the raw number loses nothing (the compat-filter quarantines the flip).
        return text is null ? FieldValue.FromInt64(value) : FieldValue.FromString(text);
    }
}
