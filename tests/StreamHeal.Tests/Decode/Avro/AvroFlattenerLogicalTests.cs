using System.Numerics;
using Avro;
using StreamHeal.Records;
using Xunit;
using static StreamHeal.Tests.Decode.Avro.AvroTestData;

namespace StreamHeal.Tests.Decode.Avro;

public sealed class AvroFlattenerLogicalTests
{
    private const string DecimalBytes = """{"type":"bytes","logicalType":"decimal","precision":40,"scale":2}""";

    [Theory]
    [InlineData("12.34")]
    [InlineData("-12.34")]
    [InlineData("0.05")]
    [InlineData("-0.05")]
    [InlineData("0.00")]
    [InlineData("-92233720368547758.08")]
    [InlineData("123456789012345678901234567890.99")]
    [InlineData("-123456789012345678901234567890.99")]
    public void Decimal_bytes_keeps_the_exact_text(string text)
    {
        var unscaled = BigInteger.Parse(text.Replace(".", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(FieldValue.FromString(text), One(DecimalBytes, new AvroDecimal(unscaled, 2)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("9223372036854775807")]
    [InlineData("-9223372036854775808")]
    [InlineData("-99999999999999999999999999999999999999")]
    public void Decimal_with_scale_zero_is_integer_text(string text)
    {
        var value = new AvroDecimal(BigInteger.Parse(text, System.Globalization.CultureInfo.InvariantCulture), 0);
        Assert.Equal(FieldValue.FromString(text), One("""{"type":"bytes","logicalType":"decimal","precision":38,"scale":0}""", value));
    }

    [Theory]
    [InlineData("3.14159")]
    [InlineData("-3.14159")]
    [InlineData("-0.00001")]
    public void Decimal_fixed_keeps_the_exact_text(string text)
    {
        var value = new AvroDecimal(BigInteger.Parse(text.Replace(".", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture), 5);
        Assert.Equal(FieldValue.FromString(text), One("""{"type":"fixed","name":"D","size":9,"logicalType":"decimal","precision":20,"scale":5}""", value));
    }

    [Fact]
    public void Timestamps_are_iso_8601_utc()
    {
        var time = new DateTime(2024, 2, 29, 13, 45, 6, DateTimeKind.Utc).AddTicks(1_234_560);
        Assert.Equal(FieldValue.FromString("2024-02-29T13:45:06.123Z"), One("""{"type":"long","logicalType":"timestamp-millis"}""", time));
        Assert.Equal(FieldValue.FromString("2024-02-29T13:45:06.123456Z"), One("""{"type":"long","logicalType":"timestamp-micros"}""", time));
        Assert.Equal(FieldValue.FromString("1969-12-31T23:59:59.999Z"), One("""{"type":"long","logicalType":"timestamp-millis"}""", DateTime.UnixEpoch.AddMilliseconds(-1)));
    }

    [Fact]
    public void Date_is_yyyy_mm_dd()
    {
        Assert.Equal(FieldValue.FromString("2024-02-29"), One("""{"type":"int","logicalType":"date"}""", new DateTime(2024, 2, 29, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(FieldValue.FromString("1900-01-01"), One("""{"type":"int","logicalType":"date"}""", new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void Times_are_int64_and_uuid_is_a_string()
    {
        Assert.Equal(FieldValue.FromInt64(3_723_004), One("""{"type":"int","logicalType":"time-millis"}""", new TimeSpan(0, 1, 2, 3, 4)));
        Assert.Equal(FieldValue.FromInt64(3_723_004_005), One("""{"type":"long","logicalType":"time-micros"}""", new TimeSpan(0, 1, 2, 3, 4, 5)));
        var id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        Assert.Equal(FieldValue.FromString(id.ToString()), One("""{"type":"string","logicalType":"uuid"}""", id));
    }

    [Fact]
    public void Logical_values_inside_arrays_take_the_same_text()
    {
        var schema = Single("""{"type":"array","items":["null",{"type":"long","logicalType":"timestamp-millis"}]}""");
        var row = RoundTrip(schema, Build(schema, ("v", new object?[] { DateTime.UnixEpoch, null })));
        Assert.Equal(FieldValue.FromJson("""["1970-01-01T00:00:00.000Z",null]"""), row[0].Value);
    }

    [Fact]
    public void Timestamps_outside_years_1_to_9999_keep_the_raw_number()
    {
        // Written as a plain long: Apache.Avro cannot represent such a timestamp as DateTime.
        var plain = Single("\"long\"");
        var payload = Encode(plain, Build(plain, ("v", long.MaxValue)));
        var row = new StreamHeal.Decode.Avro.AvroFlattener(Single("""{"type":"long","logicalType":"timestamp-micros"}"""), new global::StreamHeal.Records.FlattenOptions()).Flatten(payload);
        Assert.Equal(FieldValue.FromInt64(long.MaxValue), row[0].Value);
    }

    [Fact]
    public void Duration_is_iso_8601_text()
    {
        // A hand-built payload: the reference library has no duration converter.
        var duration = new StreamHeal.Decode.Avro.AvroFlattener(
            Single("""{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}"""), new global::StreamHeal.Records.FlattenOptions());
        Assert.Equal(FieldValue.FromString("P14M3DT4.005S"), duration.Flatten([14, 0, 0, 0, 3, 0, 0, 0, 0xA5, 0x0F, 0, 0])[0].Value);
    }

    [Fact]
    public void A_logical_type_on_a_base_it_does_not_fit_is_rejected_when_the_flattener_is_built()
    {
        Assert.ThrowsAny<AvroException>(() => new StreamHeal.Decode.Avro.AvroFlattener(
            """{"type":"record","name":"E","fields":[{"name":"v","type":{"type":"string","logicalType":"timestamp-millis"}}]}""",
            new global::StreamHeal.Records.FlattenOptions()));
    }
}
