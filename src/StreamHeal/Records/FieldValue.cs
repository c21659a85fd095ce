using System.Globalization;

namespace StreamHeal.Records;

/// <summary>The kind of a flattened leaf value as it arrived, before any column type is applied.</summary>
public enum FieldKind : byte
{
    Null,
    Bool,
    Int64,
    Float64,
    /// <summary>An integer literal outside the int64 range, kept as its exact decimal text.</summary>
    BigInteger,
    String,
    /// <summary>A JSON fragment (an array, or an object kept whole) as compact JSON text.</summary>
    Json,
}

/// <summary>
/// One flattened leaf value. A struct so a row is one array of values and no object per field;
/// text is only materialised for strings and JSON fragments.
/// </summary>
/// <remarks>
/// Sixteen bytes, one reference and one long, so a row's field with its name takes 24 bytes instead of 32: the
/// reference is the text of a text kind (whose kind then sits in the long), or a shared tag naming a scalar's kind.
/// </remarks>
public readonly struct FieldValue : IEquatable<FieldValue>
{
    private static readonly KindTag BoolTag = new(FieldKind.Bool);
    private static readonly KindTag Int64Tag = new(FieldKind.Int64);
    private static readonly KindTag Float64Tag = new(FieldKind.Float64);

    private readonly object? _ref;
    private readonly long _bits;

    private FieldValue(KindTag tag, long bits)
    {
        _ref = tag;
        _bits = bits;
    }

    private FieldValue(FieldKind kind, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _ref = text;
        _bits = (long)kind;
    }

    public FieldKind Kind => _ref switch
    {
        null => FieldKind.Null,
        KindTag tag => tag.Kind,
        _ => (FieldKind)_bits,
    };

    public static FieldValue Null => default;

    public static FieldValue FromBool(bool value) => new(BoolTag, value ? 1 : 0);

    public static FieldValue FromInt64(long value) => new(Int64Tag, value);

    public static FieldValue FromDouble(double value) => new(Float64Tag, BitConverter.DoubleToInt64Bits(value));

    public static FieldValue FromBigInteger(string digits) => new(FieldKind.BigInteger, digits);

    public static FieldValue FromString(string value) => new(FieldKind.String, value);

    public static FieldValue FromJson(string json) => new(FieldKind.Json, json);

    public bool IsNull => _ref is null;

    public bool AsBool => Bits != 0;

    public long AsInt64 => Bits;

    public double AsDouble => BitConverter.Int64BitsToDouble(Bits);

    /// <summary>The text of a String, BigInteger or Json value; null for other kinds.</summary>
    public string? AsText => _ref as string;

    // A text kind keeps its kind in the long; its numeric views read 0 as they always have.
    private long Bits => _ref is string ? 0 : _bits;

    /// <summary>The value as a JSON literal, for the <c>_quarantine</c> column and DLQ context.</summary>
    public string ToJsonLiteral() => Kind switch
    {
        FieldKind.Null => "null",
        FieldKind.Bool => AsBool ? "true" : "false",
        FieldKind.Int64 => AsInt64.ToString(CultureInfo.InvariantCulture),
        // JSON has no NaN or infinities; they are kept as strings so _quarantine stays valid JSON.
        FieldKind.Float64 when !double.IsFinite(AsDouble) => "\"" + AsDouble.ToString(CultureInfo.InvariantCulture) + "\"",
        FieldKind.Float64 => AsDouble.ToString("R", CultureInfo.InvariantCulture),
        FieldKind.BigInteger => AsText!,
        FieldKind.String => System.Text.Json.JsonSerializer.Serialize(AsText, RecordsJsonContext.Default.String),
        FieldKind.Json => AsText!,
        _ => "null",
    };

    public bool Equals(FieldValue other) => Kind == other.Kind && Bits == other.Bits && string.Equals(AsText, other.AsText, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is FieldValue other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Kind, Bits, AsText);

    public static bool operator ==(FieldValue left, FieldValue right) => left.Equals(right);

    public static bool operator !=(FieldValue left, FieldValue right) => !left.Equals(right);

    public override string ToString() => ToJsonLiteral();

    private sealed class KindTag(FieldKind kind)
    {
        public FieldKind Kind { get; } = kind;
    }
}
