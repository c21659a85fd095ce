using StreamHeal.Batch;
using StreamHeal.Tests.Support;
using Xunit;

namespace StreamHeal.Tests.Batch;

public sealed class BatchOptionsTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.Empty(Options.Invalid(new BatchOptions()));

    [Fact]
    public void Out_of_range_values_are_rejected()
    {
        var options = new BatchOptions { MaxRows = 0, MaxBytes = 0, Linger = TimeSpan.FromMinutes(10) };

        Assert.Equal(["MaxRows", "MaxBytes", "Linger"], Options.Invalid(options));
    }
}
