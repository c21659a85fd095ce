using System.Text.Json;

namespace StreamHeal.Decode.Avro;

/// <summary>What a schema node decodes as; logical types whose base type fits get their own kind.</summary>
internal enum AvroKind : byte
{
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Enum,
    Fixed,
    Record,
    Array,
    Map,
    Union,
    DecimalBytes,
    DecimalFixed,
    Date,
    TimeMillis,
    TimeMicros,
    TimestampMillis,
    TimestampMicros,
    LocalTimestampMillis,
    LocalTimestampMicros,
    UuidString,
    Duration,
}

/// <summary>
/// One node of a writer schema, resolved once so decoding never looks at <c>Avro.Schema</c>.
/// Recursive records make the graph cyclic; it is complete and immutable once the builder returns.
/// </summary>
internal sealed class AvroType
{
    public AvroType(AvroKind kind) => Kind = kind;

    public AvroKind Kind { get; }

    /// <summary>Bytes of a fixed (and of fixed-based logical types).</summary>
    public int Size { get; init; }

    /// <summary>Digits after the point of a decimal.</summary>
    public int Scale { get; init; }

    public string[] Symbols { get; init; } = [];

    /// <summary>Record fields in order, union branches in order, or the single item/value type of an array/map.</summary>
    public AvroType[] Children { get; set; } = [];

    /// <summary>Record field names as declared.</summary>
    public string[] Names { get; set; } = [];

    /// <summary>Record field names, pre-encoded for the JSON writer.</summary>
    public JsonEncodedText[] FieldNames { get; set; } = [];

    /// <summary>
    /// The fewest bytes a value can take, to reject block counts the payload cannot hold.
    /// 0 when a value may encode to nothing (null, an empty record or fixed, or a record still being resolved).
    /// </summary>
    public int MinBytes { get; set; }
}
