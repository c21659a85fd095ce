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

    [Fact]
    public void A_text_value_needs_text() =>
        Assert.Throws<ArgumentNullException>(static () => FieldValue.FromString(null!));
}
