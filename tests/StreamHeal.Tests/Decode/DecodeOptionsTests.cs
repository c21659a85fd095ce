using StreamHeal.Decode;
using StreamHeal.Tests.Support;
using Xunit;

namespace StreamHeal.Tests.Decode;

public sealed class DecodeOptionsTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.Empty(Options.Invalid(new DecodeOptions()));

    [Fact]
    public void Out_of_range_values_are_rejected()
    {
        var options = new DecodeOptions { MaxPayloadBytes = 0, MaxDepth = 0, MaxFields = 0 };

        Assert.Equal(["MaxPayloadBytes", "MaxDepth", "MaxFields"], Options.Invalid(options));
    }
}
