using StreamHeal.Decode;
using StreamHeal.Decode.Avro;
using Xunit;
using static StreamHeal.Tests.Decode.Avro.AvroTestData;
using StreamHeal.Records;

namespace StreamHeal.Tests.Decode.Avro;

public sealed class AvroFlattenerErrorTests
{
    private static readonly global::Avro.RecordSchema Mixed = Record("""
        {"name":"s","type":"string"},{"name":"u","type":["null","long"]},{"name":"xs","type":{"type":"array","items":"double"}},
        {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},{"name":"b","type":"boolean"}
        """);

    // s="hi", u=long 1, xs=[0.5], e=B, b=true
    private static readonly byte[] Valid = [4, (byte)'h', (byte)'i', 2, 2, 2, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 0, 2, 1];

    [Fact]
    public void The_hand_built_payload_is_what_apache_avro_writes()
    {
        var e = (global::Avro.EnumSchema)Mixed.Fields[3].Schema;
        var record = Build(Mixed, ("s", "hi"), ("u", 1L), ("xs", new[] { 0.5 }), ("e", new global::Avro.Generic.GenericEnum(e, "B")), ("b", true));
        Assert.Equal(Valid, Encode(Mixed, record));
        Assert.Equal(5, new AvroFlattener(Mixed, new FlattenOptions()).Flatten(Valid).Count);
    }

    [Fact]
    public void Every_truncation_is_truncated_avro()
    {
        for (var length = 0; length < Valid.Length; length++)
        {
            var error = Fails(Mixed, Valid[..length]);
            Assert.Equal(DecodeErrors.TruncatedAvro, error.ErrorType);
            Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(3, 4, "union branch index 2")] // u's branch index 2 (zig-zag 4) of 2 branches
    [InlineData(15, 4, "enum symbol index 2")]
    [InlineData(16, 2, "boolean byte is 2")]
    [InlineData(0, 3, "negative length -2")]
    public void Corrupt_bytes_are_invalid_avro(int offset, byte value, string expected)
    {
        var payload = (byte[])Valid.Clone();
        payload[offset] = value;
        var error = Fails(Mixed, payload);
        Assert.Equal(DecodeErrors.InvalidAvro, error.ErrorType);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(offset, error.Offset);
    }

    [Fact]
    public void A_length_beyond_the_payload_is_truncated_avro()
    {
        var payload = (byte[])Valid.Clone();
        payload[0] = 100;
        Assert.Equal(DecodeErrors.TruncatedAvro, Fails(Mixed, payload).ErrorType);
    }

    [Fact]
    public void Trailing_bytes_are_invalid_avro()
    {
        var error = Fails(Mixed, [.. Valid, 0]);
        Assert.Equal(DecodeErrors.InvalidAvro, error.ErrorType);
        Assert.Contains("1 byte(s) left after the record", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlong_varints_and_invalid_utf8_are_invalid_avro()
    {
        var longs = Single("\"long\"");
        Assert.Contains("varint", Fails(longs, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).Message, StringComparison.Ordinal);
        Assert.Contains("outside the 32-bit range", Fails(Single("\"int\""), [0x80, 0x80, 0x80, 0x80, 0x10]).Message, StringComparison.Ordinal);
        Assert.Contains("UTF-8", Fails(Single("\"string\""), [2, 0xFF]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Blocks_with_negative_counts_carry_a_size_and_decode_like_positive_ones()
    {
        var schema = Single("""{"type":"map","values":"int"}""");
        // Block of -2 items (zig-zag 3) with a byte size of 6, then a block of 1, then the end.
        byte[] payload = [3, 12, 2, (byte)'a', 2, 2, (byte)'b', 4, 2, 2, (byte)'c', 6, 0];
        var row = new AvroFlattener(schema, new FlattenOptions()).Flatten(payload);
        Assert.Equal("""{"a":1,"b":2,"c":3}""", row[0].Value.AsText);
    }

    [Fact]
    public void Block_counts_the_payload_cannot_hold_are_rejected_before_looping()
    {
        var ints = Single("""{"type":"array","items":"int"}""");
        Assert.Equal(DecodeErrors.TruncatedAvro, Fails(ints, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 0]).ErrorType);
        Assert.Equal(DecodeErrors.InvalidAvro, Fails(ints, [3, 1, 2, 0]).ErrorType);

        var nulls = Single("""{"type":"array","items":"null"}""");
        Assert.Contains("over the limit", Fails(nulls, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 0]).Message, StringComparison.Ordinal);
        Assert.Equal("[null,null]", new AvroFlattener(nulls, new FlattenOptions()).Flatten([4, 0])[0].Value.AsText);
    }

    [Fact]
    public void Deeply_nested_recursive_values_are_invalid_avro_not_a_stack_overflow()
    {
        var schema = Record("""{"name":"next","type":["null","Node"]}""", "Node");
        // Each level is branch 1 (zig-zag 2); the innermost is null.
        var payload = Enumerable.Repeat((byte)2, 10_000).Append((byte)0).ToArray();
        Assert.Contains("nest deeper", Fails(schema, payload).Message, StringComparison.Ordinal);
    }
}
