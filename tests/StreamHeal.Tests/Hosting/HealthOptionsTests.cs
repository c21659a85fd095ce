using System.ComponentModel.DataAnnotations;
using StreamHeal.Hosting;
using Xunit;

namespace StreamHeal.Tests.Hosting;

public sealed class HealthOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void Ip_addresses_are_accepted(string address) =>
        Assert.Empty(Support.Options.Invalid(new HealthOptions { BindAddress = address }));

    [Fact]
    public void The_default_listens_on_loopback_only() =>
        Assert.Equal(System.Net.IPAddress.Loopback, new HealthOptions().ParsedBindAddress());

    [Theory]
    [InlineData("localhost")]
    [InlineData("pod-ip")]
    [InlineData("")]
    public void Anything_else_is_refused_naming_the_setting(string address)
    {
        var options = new HealthOptions { BindAddress = address };
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        var result = Assert.Single(results);
        Assert.Equal([nameof(HealthOptions.BindAddress)], result.MemberNames);
        Assert.StartsWith($"health.bindAddress '{address}' is not an IP address", result.ErrorMessage, StringComparison.Ordinal);
    }
}
