using System.Text;
using Avro;
using StreamHeal.Records;
using StreamHeal.Tables;

namespace StreamHeal.Decode.Avro;

/// <summary>
/// Decodes Avro binary records of one writer schema straight into a <see cref="FlatRow"/>, with the same
/// column names, sanitising and quarantine rules as the JSON flattener (<c>Flatten/Flattener.cs</c>), so JSON and Avro events
/// of one table land in the same columns.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Avro</term><description>Row</description></listheader>
/// <item><term>record</term><description>its fields as <c>parent__child</c> columns (the configured separator); a record with no fields is <c>"{}"</c> (Json); a record nested in itself is kept whole as Json where it recurs</description></item>
/// <item><term>int, long, time-millis, time-micros</term><description>Int64</description></item>
/// <item><term>float, double</term><description>Float64 (float widened exactly)</description></item>
/// <item><term>boolean</term><description>Bool</description></item>
/// <item><term>string, uuid</term><description>String</description></item>
/// <item><term>bytes, fixed</term><description>String holding base64</description></item>
/// <item><term>enum</term><description>String (the symbol)</description></item>
/// <item><term>null</term><description>Null</description></item>
/// <item><term>union</term><description>the present branch's value under the field's own name; a record branch flattens below it. A union of several non-null types can give a column different kinds from event to event, which the compat-filter quarantines as a type flip</description></item>
/// <item><term>array, map</term><description>Json text at the field's name (maps as objects); with <see cref="ArrayMode.Quarantine"/> arrays go to <c>_quarantine</c> as <c>array_value</c></description></item>
/// <item><term>decimal (bytes or fixed)</term><description>String with the exact decimal text, e.g. <c>"-12.30"</c> for scale 2, <c>"123"</c> for scale 0: one kind for every value so the column never flips, and no rounding</description></item>
/// <item><term>timestamp-millis, timestamp-micros</term><description>String, ISO-8601 UTC ending in 'Z' with 3 or 6 fraction digits (local-timestamp-*: no 'Z'); outside years 1-9999 the raw Int64</description></item>
/// <item><term>date</term><description>String <c>yyyy-MM-dd</c>; outside years 1-9999 the raw Int64</description></item>
/// <item><term>duration (fixed 12)</term><description>String, ISO-8601 <c>P{months}M{days}DT{seconds}.{millis}S</c></description></item>
/// </list>
/// <para>Logical types Apache.Avro does not know (e.g. <c>duration</c>) are read from the schema's properties; a known one on a
/// base type it does not allow is rejected by Apache.Avro's parser when the flattener is built.</para>
/// <para>Thread-safe: the plan is immutable and its value tables are concurrent, so one instance serves all workers.</para>
/// </remarks>
public sealed class AvroFlattener
{
    private const int StackallocSlots = 256;
    private const int MaxRowCapacityHint = 256;

    private readonly AvroStep[] _fields;
    private readonly int _slotCount;
    private readonly int _rowCapacity;
    private readonly ArrayMode _arrayMode;
    private readonly FlatFieldPool? _pool;

    /// <param name="schemaJson">The writer schema; its top level must be a record, or a union with a record among its branches.</param>
    /// <exception cref="AvroException">The schema is not valid Avro (<see cref="SchemaParseException"/>, or <see cref="AvroTypeException"/> for a misplaced logical type).</exception>
    /// <exception cref="ArgumentException">The top level is not a record, or a type is not supported.</exception>
    /// <param name="pool">Where rows' field arrays come from; null allocates them.</param>
    public AvroFlattener(string schemaJson, FlattenOptions options, FlatFieldPool? pool = null)
        : this(Parse(schemaJson), options, pool)
    {
    }

    /// <inheritdoc cref="AvroFlattener(string, FlattenOptions, FlatFieldPool)"/>
    public AvroFlattener(Schema schema, FlattenOptions options, FlatFieldPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(options);
        // A union of records is how one topic carries several event types: each record's fields are columns of its own.
        if (schema is not RecordSchema && !(schema is UnionSchema union && union.Schemas.Any(static branch => branch is RecordSchema)))
        {
            throw new ArgumentException($"An Avro event schema must be a record, or a union of records, at the top level, not '{schema.Tag}'.", nameof(schema));
        }

        var planner = new AvroPlanner(options.Separator, options.MaxNameLength, new ValueTextCache(options.MaxCachedValues));
        _fields = planner.PlanRoot(new AvroTypes().Resolve(schema));
        _slotCount = planner.SlotCount;
        _rowCapacity = Math.Clamp(AvroPlanner.MaxLeaves(_fields), 1, MaxRowCapacityHint);
        _arrayMode = options.ArrayMode;
        _pool = pool;
    }

    /// <summary>Decodes one record written with this flattener's schema (the bare Avro body, no framing).</summary>
    /// <exception cref="AvroDecodeException">The payload is truncated, corrupt, or has bytes after the record.</exception>
    public FlatRow Flatten(ReadOnlySpan<byte> avroBinary) => Read(avroBinary, null, 0);

    /// <summary>
    /// As <see cref="Flatten(ReadOnlySpan{byte})"/> for the body from <paramref name="start"/> to the end of
    /// <paramref name="value"/>, but a string no column shares stays in the array (<see cref="FieldValue.FromUtf8"/>)
    /// instead of becoming a new string. The caller guarantees the array is neither changed nor reused while the row is
    /// read: the pipeline passes a record's value array, which goes back to its pool only when the record is done.
    /// </summary>
    /// <exception cref="AvroDecodeException">The payload is truncated, corrupt, or has bytes after the record.</exception>
    public FlatRow Flatten(byte[] value, int start)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Read(value.AsSpan(start), value, start);
    }

    /// <param name="owner">The array <paramref name="avroBinary"/> lies in from <paramref name="origin"/>, when strings may stay in it.</param>
    private FlatRow Read(ReadOnlySpan<byte> avroBinary, byte[]? owner, int origin)
    {
        var reader = new AvroReader(avroBinary);
        var text = new TextSource(owner, origin);
        var row = new FlatRow(_rowCapacity, _pool);
        var seen = _slotCount <= StackallocSlots ? stackalloc bool[StackallocSlots] : new bool[_slotCount];
        seen.Clear();
        foreach (var field in _fields)
        {
            Walk(ref reader, field, row, seen, text);
        }

        if (reader.Remaining != 0)
        {
            AvroThrow.Invalid(reader.Position, $"{reader.Remaining} byte(s) left after the record");
        }

        return row;
    }

    private void Walk(ref AvroReader reader, AvroStep step, FlatRow row, scoped Span<bool> seen, TextSource text)
    {
        switch (step.Kind)
        {
            case AvroStepKind.Record:
                foreach (var field in step.Children)
                {
                    Walk(ref reader, field, row, seen, text);
                }

                break;
            case AvroStepKind.Union:
                var branch = reader.ReadIndex(step.Children.Length, "union branch");
                Walk(ref reader, step.Children[branch], row, seen, text);
                break;
            default:
                var value = step.Type.Kind == AvroKind.String ? ReadString(ref reader, step.Values, text) : AvroValues.Read(ref reader, step.Type);
                if (step.Type.Kind == AvroKind.Array && _arrayMode == ArrayMode.Quarantine)
                {
                    row.AddQuarantine(new QuarantinedField(step.DisplayPath, value.AsText!, QuarantineReasons.ArrayValue));
                }
                else
                {
                    Emit(step, value, row, seen);
                }

                break;
        }
    }

    /// <summary>A string column's value: the column's shared string, else its bytes where they are, else a new string.</summary>
    private static FieldValue ReadString(ref AvroReader reader, ValueTextCache.Column? values, TextSource text)
    {
        var utf8 = AvroValues.ReadUtf8(ref reader);
        if (values?.Find(utf8) is { } shared)
        {
            return FieldValue.FromString(shared);
        }

        // The reader stands just past the string's bytes.
        return text.Owner is { } owner
            ? FieldValue.FromUtf8(owner, text.Origin + reader.Position - utf8.Length, utf8.Length)
            : FieldValue.FromString(Encoding.UTF8.GetString(utf8));
    }

    /// <summary>Where the body being read lies, when strings may stay in it.</summary>
    private readonly record struct TextSource(byte[]? Owner, int Origin);

    private static void Emit(AvroStep step, FieldValue value, FlatRow row, scoped Span<bool> seen)
    {
        var reason = step.Status switch
        {
            ColumnNameStatus.Reserved => QuarantineReasons.ReservedName,
            ColumnNameStatus.Invalid => QuarantineReasons.InvalidName,
            _ => seen[step.Slot] ? QuarantineReasons.NameCollision : null,
        };

        if (reason is null)
        {
            seen[step.Slot] = true;
            row.Add(step.Name!, value);
        }
        else
        {
            row.AddQuarantine(new QuarantinedField(step.DisplayPath, Literal(value), reason));
        }
    }

    private static Schema Parse(string schemaJson)
    {
        try
        {
            return Schema.Parse(schemaJson);
        }
        catch (Newtonsoft.Json.JsonException e)
        {
            // Apache.Avro lets its JSON library's exception through for text that is not JSON; callers should need one type.
            throw new SchemaParseException($"The Avro schema is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The JSON literal for <c>_quarantine</c>; JSON has no NaN or infinity, so those are kept as strings.</summary>
    private static string Literal(FieldValue value) =>
        value.Kind == FieldKind.Float64 && !double.IsFinite(value.AsDouble)
            ? $"\"{AvroJson.NonFinite(value.AsDouble)}\""
            : value.ToJsonLiteral();
}
