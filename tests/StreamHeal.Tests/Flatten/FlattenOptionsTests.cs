using StreamHeal.Tests.Support;
using Xunit;
using StreamHeal.Records;

namespace StreamHeal.Tests.Flatten;

public sealed class FlattenOptionsTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.Empty(Options.Invalid(new FlattenOptions()));

    [Theory]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("a-b")]
    [InlineData("123456789")]
    public void Separator_must_be_a_short_column_fragment(string separator)
    {
        Assert.Equal(["Separator"], Options.Invalid(new FlattenOptions { Separator = separator }));
    }

    [Fact]
    public void Out_of_range_values_are_rejected()
    {
        var options = new FlattenOptions { MaxNameLength = 301, MaxCachedNames = -1 };

        Assert.Equal(["MaxNameLength", "MaxCachedNames"], Options.Invalid(options));
    }
}
