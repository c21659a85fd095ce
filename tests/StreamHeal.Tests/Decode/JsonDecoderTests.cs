using System.Text;
using StreamHeal.Decode;
using Xunit;

namespace StreamHeal.Tests.Decode;

public sealed class JsonDecoderTests
{
    private static readonly JsonDecoder Decoder = new(new DecodeOptions());

    private static DecodeResult Validate(string json, DecodeOptions? options = null) =>
        (options is null ? Decoder : new JsonDecoder(options)).Validate(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("{}", 0)]
    [InlineData("{\"a\":1}", 1)]
    [InlineData(" {\"a\":{\"b\":true,\"c\":null},\"d\":[1,{\"e\":2}]} ", 3)]
    [InlineData("{\"a\":{}}", 1)]
    [InlineData("{\"a\":[{}],\"b\":{\"c\":{}}}", 2)]
    public void Accepts_objects_and_counts_leaf_fields(string json, int fields)
    {
        var result = Validate(json);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Null(result.ErrorType);
        Assert.Null(result.ErrorMessage);
        Assert.Equal(fields, result.FieldCount);
    }

    [Theory]
    [InlineData("", DecodeErrors.EmptyValue)]
    [InlineData("{\"a\":", DecodeErrors.InvalidJson)]
    [InlineData("{\"a\":1} x", DecodeErrors.InvalidJson)]
    [InlineData("{\"a\":1}{}", DecodeErrors.InvalidJson)]
    [InlineData("{'a':1}", DecodeErrors.InvalidJson)]
    [InlineData("{\"a\":1,}", DecodeErrors.InvalidJson)]
    [InlineData("nul", DecodeErrors.InvalidJson)]
    [InlineData("   ", DecodeErrors.InvalidJson)]
    [InlineData("{\"a\":\"\\ud800\"}", DecodeErrors.InvalidJson)]
    [InlineData("{\"\\udc00\":1}", DecodeErrors.InvalidJson)]
    [InlineData("[1,2]", DecodeErrors.NotAnObject)]
    [InlineData("\"text\"", DecodeErrors.NotAnObject)]
    [InlineData("12", DecodeErrors.NotAnObject)]
    [InlineData("null", DecodeErrors.NotAnObject)]
    public void Rejects_with_a_stable_error_type(string json, string errorType)
    {
        var result = Validate(json);

        Assert.False(result.IsSuccess);
        Assert.Equal(errorType, result.ErrorType);
        Assert.False(string.IsNullOrWhiteSpace(result.ErrorMessage));
    }

    [Fact]
    public void Invalid_json_message_says_where()
    {
        var result = Validate("{\"a\":1} x");

        Assert.Contains("BytePositionInLine: 8", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Accepts_a_valid_surrogate_pair_escape()
    {
        Assert.True(Validate("{\"\\ud83d\\ude00\":\"\\ud83d\\ude00\\n\"}").IsSuccess);
    }

    [Fact]
    public void Rejects_invalid_utf8_and_names_the_offset()
    {
        byte[] value = [.. "{\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        var result = Decoder.Validate(value);

        Assert.Equal(DecodeErrors.InvalidUtf8, result.ErrorType);
        Assert.Contains("offset 6", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_a_payload_over_the_limit_and_names_the_option()
    {
        var result = Validate("{\"a\":\"0123456789\"}", new DecodeOptions { MaxPayloadBytes = 10 });

        Assert.Equal(DecodeErrors.PayloadTooLarge, result.ErrorType);
        Assert.Contains("decode.maxPayloadBytes", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Depth_limit_counts_the_root_as_one()
    {
        var options = new DecodeOptions { MaxDepth = 3 };

        Assert.True(Validate("{\"a\":{\"b\":[1]}}", options).IsSuccess);
        var result = Validate("{\"a\":{\"b\":{\"c\":{}}}}", options);

        Assert.Equal(DecodeErrors.TooDeep, result.ErrorType);
        Assert.Contains("decode.maxDepth (3)", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("depth 4", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Depth_far_beyond_the_limit_is_too_deep_not_invalid()
    {
        var json = new string('[', 200) + new string(']', 200);

        Assert.Equal(DecodeErrors.TooDeep, Validate("{\"a\":" + json + "}").ErrorType);
    }

    [Fact]
    public void Field_limit_counts_columns_not_array_elements()
    {
        var options = new DecodeOptions { MaxFields = 2 };

        Assert.True(Validate("{\"a\":[1,2,3,4,5],\"b\":{\"c\":1}}", options).IsSuccess);
        var result = Validate("{\"a\":1,\"b\":2,\"c\":3}", options);

        Assert.Equal(DecodeErrors.TooManyFields, result.ErrorType);
        Assert.Contains("decode.maxFields (2)", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Success_path_does_not_allocate()
    {
        var value = "{\"a\":{\"b\":[1,2,{\"c\":\"x\\u00e9\"}],\"d\":1.5e3},\"e\":null}"u8.ToArray();
        Decoder.Validate(value);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = Decoder.Validate(value);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(result.IsSuccess);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ToDeadLetter_carries_type_message_and_stage()
    {
        var reason = Validate("[]").ToDeadLetter("decode");

        Assert.Equal(DecodeErrors.NotAnObject, reason.Type);
        Assert.Equal("decode", reason.Stage);
        Assert.Throws<InvalidOperationException>(() => Validate("{}").ToDeadLetter("decode"));
    }
}
