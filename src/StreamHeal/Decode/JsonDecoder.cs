using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using StreamHeal.Records;

namespace StreamHeal.Decode;

/// <summary>
/// Checks that a Kafka value is one UTF-8 JSON object within the configured limits, in a single
/// <see cref="Utf8JsonReader"/> pass, and names the first rule it breaks. Stateless after construction, so one
/// instance serves all workers. Tombstones (null values) are the caller's concern.
/// </summary>
public sealed class JsonDecoder(DecodeOptions options)
{
    private readonly int _maxPayloadBytes = options.MaxPayloadBytes;
    private readonly int _maxDepth = options.MaxDepth;
    private readonly int _maxFields = options.MaxFields;

    /// <summary>The deepest nesting accepted (<see cref="DecodeOptions.MaxDepth"/>).</summary>
    public int MaxDepth => _maxDepth;

    /// <summary>The most leaf fields accepted (<see cref="DecodeOptions.MaxFields"/>).</summary>
    public int MaxFields => _maxFields;

    /// <summary>Validates <paramref name="value"/>; allocates only when it fails.</summary>
    public DecodeResult Validate(ReadOnlySpan<byte> value)
    {
        var envelope = CheckEnvelope(value);
        if (!envelope.IsSuccess)
        {
            return envelope;
        }

        try
        {
            return Scan(value);
        }
        catch (JsonException ex)
        {
            return DecodeResult.Failure(DecodeErrors.InvalidJson, $"Invalid JSON: {ex.Message}");
        }
    }

    /// <summary>
    /// Why <paramref name="value"/> goes to the DLQ from decode's rules (stage <c>decode</c>), or null when it keeps
    /// them. Flatten asks when its one pass refused a value; only such values pay for this second read.
    /// </summary>
    public DeadLetterReason? Refusal(byte[] value) => Refusal(value.AsSpan());

    /// <inheritdoc cref="Refusal(byte[])"/>
    public DeadLetterReason? Refusal(ReadOnlySpan<byte> value) => Validate(value) is { IsSuccess: false } refused ? refused.ToDeadLetter(DecodeStage.Name) : null;

    /// <summary>
    /// The checks that need no JSON reader: not empty, within <see cref="DecodeOptions.MaxPayloadBytes"/>, valid
    /// UTF-8. The pipeline's decode stage runs only these; flatten reads the JSON once and holds it to the rest of
    /// <see cref="Validate"/>'s rules, asking <see cref="Validate"/> for the reason when a value breaks one.
    /// </summary>
    public DecodeResult CheckEnvelope(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return DecodeResult.Failure(DecodeErrors.EmptyValue, "The value is empty (0 bytes); expected a JSON object.");
        }

        if (value.Length > _maxPayloadBytes)
        {
            return DecodeResult.Failure(DecodeErrors.PayloadTooLarge, $"The value is {value.Length} bytes, over decode.maxPayloadBytes ({_maxPayloadBytes}).");
        }

        if (!Utf8.IsValid(value))
        {
            return DecodeResult.Failure(DecodeErrors.InvalidUtf8, $"The value is not valid UTF-8 (first bad byte at offset {FirstInvalidUtf8(value)}).");
        }

        return DecodeResult.Success(0);
    }

    private DecodeResult Scan(ReadOnlySpan<byte> value)
    {
        // One level of slack so our own depth check, which names the option, fires before the reader's.
        var reader = new Utf8JsonReader(value, new JsonReaderOptions { MaxDepth = _maxDepth + 1 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return DecodeResult.Failure(DecodeErrors.NotAnObject, $"The root JSON value is {Describe(reader.TokenType)}, not an object.");
        }

        var fields = 0;
        var arrayDepth = 0;
        var previous = JsonTokenType.StartObject;
        while (reader.Read())
        {
            var token = reader.TokenType;
            switch (token)
            {
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    if (reader.CurrentDepth + 1 > _maxDepth)
                    {
                        return DecodeResult.Failure(DecodeErrors.TooDeep, $"Nesting depth {reader.CurrentDepth + 1} at byte offset {reader.TokenStartIndex} exceeds decode.maxDepth ({_maxDepth}).");
                    }

                    if (token == JsonTokenType.StartArray && arrayDepth++ == 0)
                    {
                        fields++;
                    }

                    break;
                case JsonTokenType.EndArray:
                    arrayDepth--;
                    break;
                case JsonTokenType.EndObject:
                    // An empty nested object is kept as "{}" at its own name, so it is a field too.
                    if (previous == JsonTokenType.StartObject && arrayDepth == 0 && reader.CurrentDepth > 0)
                    {
                        fields++;
                    }

                    break;
                case JsonTokenType.PropertyName:
                case JsonTokenType.String:
                    if (reader.ValueIsEscaped && !JsonEscapes.AreValidUtf16(reader.ValueSpan))
                    {
                        return DecodeResult.Failure(DecodeErrors.InvalidJson, $"A string at byte offset {reader.TokenStartIndex} escapes an unpaired UTF-16 surrogate.");
                    }

                    if (token == JsonTokenType.String && arrayDepth == 0)
                    {
                        fields++;
                    }

                    break;
                default:
                    if (arrayDepth == 0)
                    {
                        fields++;
                    }

                    break;
            }

            if (fields > _maxFields)
            {
                return DecodeResult.Failure(DecodeErrors.TooManyFields, $"More than decode.maxFields ({_maxFields}) leaf fields; the limit was passed at byte offset {reader.TokenStartIndex}.");
            }

            previous = token;
        }

        return DecodeResult.Success(fields);
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> value)
    {
        Span<char> scratch = stackalloc char[256];
        var offset = 0;
        while (offset < value.Length)
        {
            var status = Utf8.ToUtf16(value[offset..], scratch, out var read, out _, replaceInvalidSequences: false);
            offset += read;
            if (status != OperationStatus.DestinationTooSmall)
            {
                break;
            }
        }

        return offset;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => "missing",
    };
}
