using System.Buffers;
using System.Text;
using System.Text.Json;
using StreamHeal.Records;
using StreamHeal.Tables;

namespace StreamHeal.Flatten;

/// <summary>
/// Flattens one JSON object event into a <see cref="FlatRow"/>: nested objects become
/// <c>parent__child</c> columns, arrays become JSON text (or quarantine, see <see cref="ArrayMode"/>),
/// an empty object becomes <c>"{}"</c> at its own name. Integer literals that fit a long are Int64,
/// larger ones keep their exact text as BigInteger, literals with a fraction or exponent are Float64
/// (a Float64 literal beyond double's range keeps its text as a JSON value rather than becoming infinity).
/// </summary>
/// <remarks>
/// <para>Names are sanitised by <see cref="ColumnNames"/>. Fields are never merged: when two paths (or a
/// duplicated key) give the same name, the first keeps the column and later ones go to the row's quarantine
/// (<c>name_collision</c>); reserved names go there as <c>reserved_name</c>, empty keys as <c>invalid_name</c>.</para>
/// <para>A leaf that later arrives as an object flattens to new names (<c>a</c> becomes <c>a__b</c>): new columns,
/// not a type flip of <c>a</c>.</para>
/// <para>Thread-safe: one instance serves all workers. The <c>TryFlatten</c> overloads read values nothing has parsed
/// yet (the pipeline's one pass over each JSON event); <see cref="Flatten(ReadOnlySpan{byte}, int)"/> throws
/// <see cref="FlattenException"/> for input that did not pass <c>JsonDecoder</c>.</para>
/// </remarks>
public sealed class Flattener
{
    // Above JsonDecoder's largest allowed depth, so validated input never hits the reader's limit.
    private const int ReaderMaxDepth = 1024;

    [ThreadStatic]
    private static RowNames? _threadNames;

    private readonly PathNameCache _names;
    private readonly ValueTextCache _values;
    private readonly ArrayMode _arrayMode;
    private readonly FlatFieldPool? _pool;
    private readonly ThreadLocal<PathMemo> _memos;

    /// <param name="pool">Where rows' field arrays come from; null allocates them.</param>
    public Flattener(FlattenOptions options, FlatFieldPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _pool = pool;
        _values = new ValueTextCache(options.MaxCachedValues);
        _names = new PathNameCache(options.Separator, options.MaxNameLength, options.MaxCachedNames, _values);
        _memos = new ThreadLocal<PathMemo>(() => new PathMemo(_names));
        _arrayMode = options.ArrayMode;
    }

    /// <summary>Distinct paths whose names are cached (for metrics).</summary>
    public int CachedNames => _names.Count;

    /// <summary>Distinct string values shared across events (for metrics).</summary>
    public int CachedValues => _values.Count;

    public FlatRow Flatten(ReadOnlySpan<byte> utf8JsonObject) => Flatten(utf8JsonObject, 16);

    /// <param name="utf8JsonObject">A JSON object that passed <c>JsonDecoder</c>.</param>
    /// <param name="fieldCountHint">Expected number of fields (e.g. <c>DecodeResult.FieldCount</c>) to size the row.</param>
    /// <exception cref="FlattenException">The value is not one JSON object the flattener can read.</exception>
    public FlatRow Flatten(ReadOnlySpan<byte> utf8JsonObject, int fieldCountHint)
    {
        var row = Read(utf8JsonObject, null, fieldCountHint, new JsonLimits(ReaderMaxDepth, int.MaxValue), out var why);
        return row ?? throw new FlattenException($"The value is not a JSON object the flattener can read: {why}");
    }

    /// <summary>
    /// Reads a value nothing has parsed yet, in one pass: flattens it while holding it to the decoder's rules (one
    /// object with nothing after it, nesting and leaf fields within <paramref name="limits"/>, every escaped
    /// surrogate paired). Null when it breaks any of them; <c>JsonDecoder.Validate</c> names which. The bytes must be
    /// valid UTF-8.
    /// </summary>
    public FlatRow? TryFlatten(ReadOnlySpan<byte> utf8Json, JsonLimits limits) => Read(utf8Json, null, RowSize(utf8Json), limits, out _);

    /// <summary>
    /// As <see cref="TryFlatten(ReadOnlySpan{byte}, JsonLimits)"/>, but a string no column shares (an id, a long text)
    /// stays in <paramref name="value"/> (<see cref="FieldValue.FromUtf8"/>) instead of becoming a new string. The
    /// caller guarantees the array is neither changed nor reused while the row is read: the pipeline passes a record's
    /// value array, which goes back to its pool only when the record is done.
    /// </summary>
    public FlatRow? TryFlatten(byte[] value, JsonLimits limits)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Read(value, value, RowSize(value), limits, out _);
    }

    // About one field per 16 bytes of event; the row grows if there are more.
    private static int RowSize(ReadOnlySpan<byte> json) => Math.Clamp(json.Length / 16, 4, FlatFieldPool.MaxPooledFields);

    /// <param name="owner">The array <paramref name="json"/> is, when strings may stay in it; otherwise null.</param>
    /// <param name="why">Null when the whole value became the row; otherwise the rule it breaks.</param>
    private FlatRow? Read(ReadOnlySpan<byte> json, byte[]? owner, int fieldCountHint, JsonLimits limits, out string? why)
    {
        var row = new FlatRow(Math.Max(fieldCountHint, 1), _pool);
        var seen = _threadNames ??= new RowNames();
        seen.Begin();
        var path = new PathBuffer();
        try
        {
            why = Walk(json, owner, row, seen, _memos.Value!, ref path, limits);
        }
        catch (JsonException e)
        {
            why = e.Message;
        }
        finally
        {
            path.Dispose();
        }

        if (why is null)
        {
            return row;
        }

        row.Release();
        return null;
    }

    /// <returns>Null when the whole value became <paramref name="row"/>; otherwise the rule it breaks.</returns>
    private string? Walk(ReadOnlySpan<byte> json, byte[]? owner, FlatRow row, RowNames seen, PathMemo memo, ref PathBuffer path, JsonLimits limits)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = limits.MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return "the root is not an object";
        }

        var fields = 0;
        var resolved = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                if (reader.CurrentDepth == 0)
                {
                    // Anything but whitespace after the object makes the reader throw.
                    return reader.Read() ? "more than one JSON value" : null;
                }

                path.Pop();
                continue;
            }

            if (reader.ValueIsEscaped && !JsonEscapes.AreValidUtf16(reader.ValueSpan))
            {
                return UnpairedSurrogate;
            }

            path.Push(ref reader);
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    var peek = reader;
                    peek.Read();
                    if (peek.TokenType != JsonTokenType.EndObject)
                    {
                        // The key stays on the path until the object's EndObject pops it.
                        continue;
                    }

                    reader = peek;
                    Emit(row, seen, ref path, memo.Resolve(resolved++, path.Span), FieldValue.FromJson("{}"));
                    break;
                case JsonTokenType.StartArray:
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    var raw = json[start..(int)reader.BytesConsumed];
                    if (raw.IndexOf((byte)'\\') >= 0 && !ArrayEscapesAreValid(raw))
                    {
                        return UnpairedSurrogate;
                    }

                    var array = FieldValue.FromJson(CompactArray(raw));
                    if (_arrayMode == ArrayMode.Quarantine)
                    {
                        row.AddQuarantine(new QuarantinedField(path.ToDisplayPath(), array.AsText!, QuarantineReasons.ArrayValue));
                    }
                    else
                    {
                        Emit(row, seen, ref path, memo.Resolve(resolved++, path.Span), array);
                    }

                    break;
                default:
                    if (reader.ValueIsEscaped && !JsonEscapes.AreValidUtf16(reader.ValueSpan))
                    {
                        return UnpairedSurrogate;
                    }

                    // Named first, so a string value can come from its column's value table.
                    var column = memo.Resolve(resolved++, path.Span);
                    Emit(row, seen, ref path, column, ReadScalar(ref reader, column.Values, owner));
                    break;
            }

            path.Pop();
            if (++fields > limits.MaxFields)
            {
                return $"more than {limits.MaxFields} leaf fields";
            }
        }

        return "the object is not closed";
    }

    private const string UnpairedSurrogate = "a string escapes an unpaired UTF-16 surrogate";

    /// <summary>Strings inside an array are kept as JSON text, but the decoder's rule holds for them too.</summary>
    private static bool ArrayEscapesAreValid(ReadOnlySpan<byte> array)
    {
        var reader = new Utf8JsonReader(array, new JsonReaderOptions { MaxDepth = ReaderMaxDepth });
        while (reader.Read())
        {
            if (reader.ValueIsEscaped && !JsonEscapes.AreValidUtf16(reader.ValueSpan))
            {
                return false;
            }
        }

        return true;
    }

    private static void Emit(FlatRow row, RowNames seen, ref PathBuffer path, CachedPath column, FieldValue value)
    {
        var name = column.Name;
        var reason = name.Status switch
        {
            ColumnNameStatus.Reserved => QuarantineReasons.ReservedName,
            ColumnNameStatus.Invalid => QuarantineReasons.InvalidName,
            _ => seen.TryAdd(name.Name!, column.NameId) ? null : QuarantineReasons.NameCollision,
        };

        if (reason is null)
        {
            row.Add(name.Name!, value);
        }
        else
        {
            row.AddQuarantine(new QuarantinedField(path.ToDisplayPath(), value.ToJsonLiteral(), reason));
        }
    }

    private static FieldValue ReadScalar(ref Utf8JsonReader reader, ValueTextCache.Column? values, byte[]? owner)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                if (reader.ValueIsEscaped)
                {
                    return FieldValue.FromString(reader.GetString()!);
                }

                // An unescaped value's bytes are its UTF-8 text (the envelope check validated them): a column's shared
                // string, else those bytes where they are (the value span starts one byte past the opening quote).
                var utf8 = reader.ValueSpan;
                if (values?.Find(utf8) is { } shared)
                {
                    return FieldValue.FromString(shared);
                }

                return owner is null
                    ? FieldValue.FromString(Encoding.UTF8.GetString(utf8))
                    : FieldValue.FromUtf8(owner, (int)reader.TokenStartIndex + 1, utf8.Length);
            case JsonTokenType.True:
                return FieldValue.FromBool(true);
            case JsonTokenType.False:
                return FieldValue.FromBool(false);
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var integer))
                {
                    return FieldValue.FromInt64(integer);
                }

                var literal = reader.ValueSpan;
                if (literal.IndexOfAny(".eE"u8) < 0)
                {
                    return FieldValue.FromBigInteger(Encoding.UTF8.GetString(literal));
                }

                return reader.TryGetDouble(out var real) && double.IsFinite(real)
                    ? FieldValue.FromDouble(real)
                    : FieldValue.FromJson(Encoding.UTF8.GetString(literal));
            default:
                return FieldValue.Null;
        }
    }

    /// <summary>An array's text without insignificant whitespace.</summary>
    private static string CompactArray(ReadOnlySpan<byte> raw)
    {
        if (raw.IndexOfAny(" \t\r\n"u8) < 0)
        {
            return Encoding.UTF8.GetString(raw);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(raw.Length);
        try
        {
            return Encoding.UTF8.GetString(buffer, 0, JsonText.Compact(raw, buffer));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
