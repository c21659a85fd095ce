using System.Buffers;
using StreamHeal.SchemaRegistry;
using Xunit;

namespace StreamHeal.Tests.SchemaRegistry;

public sealed class ConfluentWireFormatTests
{
    [Fact]
    public void Header_is_magic_byte_zero_then_the_id_big_endian()
    {
        var buffer = new ArrayBufferWriter<byte>();

        ConfluentWireFormat.Write(buffer, 0x01020304);

        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Reading_returns_the_id_and_the_bytes_after_the_header()
    {
        byte[] value = [0, 0, 0, 1, 0, 0xAA, 0xBB];

        var ok = ConfluentWireFormat.TryReadHeader(value, out var id, out var payload, out var failure);

        Assert.True(ok);
        Assert.Equal((256, WireFormatFailure.None), (id, failure));
        Assert.Equal(new byte[] { 0xAA, 0xBB }, payload.ToArray());
    }

    [Fact]
    public void A_header_with_no_payload_is_valid()
    {
        Assert.True(ConfluentWireFormat.TryReadHeader([0, 0, 0, 0, 7], out var id, out var payload));
        Assert.Equal((7, 0), (id, payload.Length));
    }

    [Fact]
    public void Too_short_is_rejected_with_the_length_in_the_reason()
    {
        byte[] value = [0, 0, 1];

        var ok = ConfluentWireFormat.TryReadHeader(value, out _, out _, out var failure);

        Assert.False(ok);
        Assert.Equal(WireFormatFailure.TooShort, failure);
        Assert.Contains("3 byte(s)", ConfluentWireFormat.DescribeFailure(value), StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_JSON_is_rejected_as_an_unknown_magic_byte_and_named_as_JSON()
    {
        var value = """{"id":1}"""u8.ToArray();

        var ok = ConfluentWireFormat.TryReadHeader(value, out _, out _, out var failure);

        Assert.False(ok);
        Assert.Equal(WireFormatFailure.UnknownMagicByte, failure);
        var reason = ConfluentWireFormat.DescribeFailure(value);
        Assert.Contains("0x7B", reason, StringComparison.Ordinal);
        Assert.Contains("plain JSON", reason, StringComparison.Ordinal);
    }
}
