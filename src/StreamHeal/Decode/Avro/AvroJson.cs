using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using StreamHeal.Records;

namespace StreamHeal.Decode.Avro;

/// <summary>
/// Writes an array, map or kept-whole record as compact JSON text: records and maps are objects, unions
/// write their branch's value, bytes and fixed are base64 strings, logical values take the same text as a
/// column would. Non-finite floats become the strings "NaN", "Infinity", "-Infinity", which JSON has no number for.
/// </summary>
internal static class AvroJson
{
    /// <summary>Nesting allowed inside one value; recursive schemas could otherwise nest until the stack overflows.</summary>
    public const int MaxDepth = 64;

    /// <summary>The most items of a type that may encode to no bytes at all (e.g. an array of nulls).</summary>
    public const long MaxEmptyItems = 1 << 20;

    private const int MaxRetainedBufferBytes = 1 << 20;

    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // Ours is lower and names the problem; the writer's default would throw InvalidOperationException.
        MaxDepth = MaxDepth + 1,
    };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _threadBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _threadWriter;

    public static string Write(ref AvroReader reader, AvroType type)
    {
        var buffer = _threadBuffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var writer = _threadWriter ??= new Utf8JsonWriter(buffer, Options);
        writer.Reset(buffer);
        WriteValue(ref reader, type, writer, 0);
        writer.Flush();
        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (buffer.Capacity > MaxRetainedBufferBytes)
        {
            // One huge array must not pin its buffer on this thread for good.
            _threadBuffer = null;
            _threadWriter = null;
        }

        return text;
    }

    private static void WriteValue(ref AvroReader reader, AvroType type, Utf8JsonWriter writer, int depth)
    {
        if (depth > MaxDepth)
        {
            AvroThrow.Invalid(reader.Position, $"values nest deeper than {MaxDepth} levels");
        }

        switch (type.Kind)
        {
            case AvroKind.Record:
                writer.WriteStartObject();
                for (var i = 0; i < type.Children.Length; i++)
                {
                    writer.WritePropertyName(type.FieldNames[i]);
                    WriteValue(ref reader, type.Children[i], writer, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case AvroKind.Array:
                writer.WriteStartArray();
                for (var count = Block(ref reader, type); count != 0; count = Block(ref reader, type))
                {
                    for (var i = 0L; i < count; i++)
                    {
                        WriteValue(ref reader, type.Children[0], writer, depth + 1);
                    }
                }

                writer.WriteEndArray();
                break;
            case AvroKind.Map:
                writer.WriteStartObject();
                for (var count = Block(ref reader, type); count != 0; count = Block(ref reader, type))
                {
                    for (var i = 0L; i < count; i++)
                    {
                        writer.WritePropertyName(AvroValues.ReadUtf8(ref reader));
                        WriteValue(ref reader, type.Children[0], writer, depth + 1);
                    }
                }

                writer.WriteEndObject();
                break;
            case AvroKind.Union:
                var branch = reader.ReadIndex(type.Children.Length, "union branch");
                WriteValue(ref reader, type.Children[branch], writer, depth);
                break;
            case AvroKind.String:
                writer.WriteStringValue(AvroValues.ReadUtf8(ref reader));
                break;
            case AvroKind.Bytes:
                writer.WriteBase64StringValue(reader.ReadBytes());
                break;
            case AvroKind.Fixed:
                writer.WriteBase64StringValue(reader.Take(type.Size));
                break;
            default:
                WriteScalar(AvroValues.Read(ref reader, type), writer);
                break;
        }
    }

    /// <summary>Map entries take at least one byte for the key; array items as few as their type does.</summary>
    private static long Block(ref AvroReader reader, AvroType type) =>
        reader.ReadBlockCount(type.Kind == AvroKind.Map ? 1 : type.Children[0].MinBytes, MaxEmptyItems);

    private static void WriteScalar(FieldValue value, Utf8JsonWriter writer)
    {
        switch (value.Kind)
        {
            case FieldKind.Bool:
                writer.WriteBooleanValue(value.AsBool);
                break;
            case FieldKind.Int64:
                writer.WriteNumberValue(value.AsInt64);
                break;
            case FieldKind.Float64 when double.IsFinite(value.AsDouble):
                writer.WriteNumberValue(value.AsDouble);
                break;
            case FieldKind.Float64:
                writer.WriteStringValue(NonFinite(value.AsDouble));
                break;
            case FieldKind.String:
                writer.WriteStringValue(value.AsText);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    public static string NonFinite(double value) =>
        double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}
