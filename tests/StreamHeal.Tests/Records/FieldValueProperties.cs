using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.Records;

public sealed class FieldValueProperties
{
    /// <summary>What a value reads as, by the kinds' documented meaning, independent of how it is stored.</summary>
    private sealed record Model(FieldKind Kind, long Bits, string? Text);

    private static readonly Gen<(FieldValue Value, Model Model)> Values =
        Gen.OneOf(
            Gen.Constant((FieldValue.Null, new Model(FieldKind.Null, 0, null))),
            ArbMap.Default.GeneratorFor<bool>().Select(static b => (FieldValue.FromBool(b), new Model(FieldKind.Bool, b ? 1 : 0, null))),
            ArbMap.Default.GeneratorFor<long>().Select(static l => (FieldValue.FromInt64(l), new Model(FieldKind.Int64, l, null))),
            ArbMap.Default.GeneratorFor<double>().Select(static d => (FieldValue.FromDouble(d), new Model(FieldKind.Float64, BitConverter.DoubleToInt64Bits(d), null))),
            Gen.Elements("", "x", "12345678901234567890").Select(static s => (FieldValue.FromBigInteger(s), new Model(FieldKind.BigInteger, 0, s))),
            Gen.Elements("", "x", "ios").Select(static s => (FieldValue.FromString(s), new Model(FieldKind.String, 0, s))),
            // The same strings (and non-ASCII ones) kept as UTF-8 inside a larger array, as a flattened event keeps them.
            Gen.Zip(Gen.Elements("", "x", "ios", "café ✓"), Gen.Choose(0, 5)).Select(static p => (InBytes(p.Item1, p.Item2), new Model(FieldKind.String, 0, p.Item1))),
            Gen.Elements("[]", "{}", "[1]").Select(static s => (FieldValue.FromJson(s), new Model(FieldKind.Json, 0, s))));

    [Property(MaxTest = 300)]
    public Property A_value_reads_back_its_kind_bits_and_text() =>
        Prop.ForAll(Values.ToArbitrary(), static pair =>
        {
            var (value, model) = pair;
            return value.Kind == model.Kind
                && value.IsNull == (model.Kind == FieldKind.Null)
                && value.AsInt64 == model.Bits
                && value.AsBool == (model.Bits != 0)
                && BitConverter.DoubleToInt64Bits(value.AsDouble) == model.Bits
                && value.AsText == model.Text;
        });

    [Property(MaxTest = 300)]
    public Property Values_are_equal_exactly_when_kind_bits_and_text_are() =>
        Prop.ForAll(Gen.Zip(Values, Values).ToArbitrary(), static pair =>
        {
            var ((a, ma), (b, mb)) = pair;
            var expected = ma.Kind == mb.Kind && ma.Bits == mb.Bits && ma.Text == mb.Text;
            return a.Equals(b) == expected && (a == b) == expected && (!expected || a.GetHashCode() == b.GetHashCode());
        });

    private static FieldValue InBytes(string text, int start)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        var array = new byte[start + utf8.Length + 3];
        array.AsSpan().Fill((byte)'#');
        utf8.CopyTo(array, start);
        return FieldValue.FromUtf8(array, start, utf8.Length);
    }

    [Fact]
    public void Only_a_string_kept_as_utf8_gives_its_bytes()
    {
        Assert.True(InBytes("café", 2).TryGetUtf8(out var utf8));
        Assert.Equal(Encoding.UTF8.GetBytes("café"), utf8.ToArray());
        Assert.Equal(FieldValue.FromString("café").ToJsonLiteral(), InBytes("café", 2).ToJsonLiteral());

        Assert.False(FieldValue.FromString("café").TryGetUtf8(out _));
        Assert.False(FieldValue.FromJson("[]").TryGetUtf8(out _));
        Assert.False(FieldValue.FromInt64(7).TryGetUtf8(out _));
        Assert.False(FieldValue.Null.TryGetUtf8(out _));
    }

    [Fact]
    public void A_utf8_slice_must_lie_inside_its_array()
    {
        Assert.Throws<ArgumentNullException>(static () => FieldValue.FromUtf8(null!, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(static () => FieldValue.FromUtf8(new byte[4], -1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(static () => FieldValue.FromUtf8(new byte[4], 0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(static () => FieldValue.FromUtf8(new byte[4], 2, 3));
        Assert.Equal("", FieldValue.FromUtf8(new byte[4], 4, 0).AsText);
    }

    [Fact]
    public void A_text_value_needs_text() =>
        Assert.Throws<ArgumentNullException>(static () => FieldValue.FromString(null!));
}
