using System.Globalization;
using System.Text;

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
/// reference is the text of a text kind (whose kind then sits in the long), a shared tag naming a scalar's kind, or,
/// for a string read straight from an event, the event's own UTF-8 bytes (where it starts and how long it is then sit
/// in the long). A string of an id column is then no allocation at all until a sink needs it as text.
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

    private FieldValue(byte[] utf8, int start, int length)
    {
        _ref = utf8;
        _bits = (long)length << 32 | (uint)start;
    }

    public FieldKind Kind => _ref switch
    {
        null => FieldKind.Null,
        KindTag tag => tag.Kind,
        byte[] => FieldKind.String,
        _ => (FieldKind)_bits,
    };

    public static FieldValue Null => default;

    public static FieldValue FromBool(bool value) => new(BoolTag, value ? 1 : 0);

    public static FieldValue FromInt64(long value) => new(Int64Tag, value);

    public static FieldValue FromDouble(double value) => new(Float64Tag, BitConverter.DoubleToInt64Bits(value));

    public static FieldValue FromBigInteger(string digits) => new(FieldKind.BigInteger, digits);

    public static FieldValue FromString(string value) => new(FieldKind.String, value);

    /// <summary>
    /// A string whose text is <paramref name="length"/> bytes of valid UTF-8 at <paramref name="start"/> in
    /// <paramref name="utf8"/>, kept there rather than copied. The caller guarantees the array is neither changed nor
    /// reused while the value is read: the pipeline passes a record's own value array, which goes back to its pool only
    /// once the record is done, after the last read of its row.
    /// </summary>
    public static FieldValue FromUtf8(byte[] utf8, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, utf8.Length - start);
        return new FieldValue(utf8, start, length);
    }

    public static FieldValue FromJson(string json) => new(FieldKind.Json, json);

    public bool IsNull => _ref is null;

    public bool AsBool => Bits != 0;

    public long AsInt64 => Bits;

    public double AsDouble => BitConverter.Int64BitsToDouble(Bits);

    /// <summary>
    /// The text of a String, BigInteger or Json value; null for other kinds. A string kept as UTF-8
    /// (<see cref="FromUtf8"/>) becomes a new string on every call: hot paths use <see cref="TryGetUtf8"/>.
    /// </summary>
    public string? AsText => _ref switch
    {
        string text => text,
        byte[] utf8 => Encoding.UTF8.GetString(utf8, (int)_bits, (int)(_bits >>> 32)),
        _ => null,
    };

    /// <summary>The UTF-8 bytes of a string kept as UTF-8 (<see cref="FromUtf8"/>); false for every other value.</summary>
    public bool TryGetUtf8(out ReadOnlySpan<byte> utf8)
    {
        if (_ref is byte[] bytes)
        {
            utf8 = bytes.AsSpan((int)_bits, (int)(_bits >>> 32));
            return true;
        }

        utf8 = default;
        return false;
    }

    // A text kind keeps its kind (or where its bytes are) in the long; its numeric views read 0 as they always have.
    private long Bits => _ref is string or byte[] ? 0 : _bits;

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

    // By text, however it is kept: a string read from an event's bytes equals the same string made from text.
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
