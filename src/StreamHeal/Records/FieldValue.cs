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
public readonly struct FieldValue : IEquatable<FieldValue>
{
    private readonly long _bits;
    private readonly string? _text;

    private FieldValue(FieldKind kind, long bits, string? text)
    {
        Kind = kind;
        _bits = bits;
        _text = text;
    }

    public FieldKind Kind { get; }

    public static FieldValue Null => default;

    public static FieldValue FromBool(bool value) => new(FieldKind.Bool, value ? 1 : 0, null);

    public static FieldValue FromInt64(long value) => new(FieldKind.Int64, value, null);

    public static FieldValue FromDouble(double value) => new(FieldKind.Float64, BitConverter.DoubleToInt64Bits(value), null);

    public static FieldValue FromBigInteger(string digits) => new(FieldKind.BigInteger, 0, digits);

    public static FieldValue FromString(string value) => new(FieldKind.String, 0, value);

    public static FieldValue FromJson(string json) => new(FieldKind.Json, 0, json);

    public bool IsNull => Kind == FieldKind.Null;

    public bool AsBool => _bits != 0;

    public long AsInt64 => _bits;

    public double AsDouble => BitConverter.Int64BitsToDouble(_bits);

    /// <summary>The text of a String, BigInteger or Json value; null for other kinds.</summary>
    public string? AsText => _text;

    /// <summary>The value as a JSON literal, for the <c>_quarantine</c> column and DLQ context.</summary>
    public string ToJsonLiteral() => Kind switch
    {
        FieldKind.Null => "null",
        FieldKind.Bool => AsBool ? "true" : "false",
        FieldKind.Int64 => AsInt64.ToString(CultureInfo.InvariantCulture),
        // JSON has no NaN or infinities; they are kept as strings so _quarantine stays valid JSON.
        FieldKind.Float64 when !double.IsFinite(AsDouble) => "\"" + AsDouble.ToString(CultureInfo.InvariantCulture) + "\"",
        FieldKind.Float64 => AsDouble.ToString("R", CultureInfo.InvariantCulture),
        FieldKind.BigInteger => _text!,
        FieldKind.String => System.Text.Json.JsonSerializer.Serialize(_text, RecordsJsonContext.Default.String),
        FieldKind.Json => _text!,
        _ => "null",
    };

    public bool Equals(FieldValue other) => Kind == other.Kind && _bits == other._bits && string.Equals(_text, other._text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is FieldValue other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Kind, _bits, _text);

    public static bool operator ==(FieldValue left, FieldValue right) => left.Equals(right);

    public static bool operator !=(FieldValue left, FieldValue right) => !left.Equals(right);

    public override string ToString() => ToJsonLiteral();
}
