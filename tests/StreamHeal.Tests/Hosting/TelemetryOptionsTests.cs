using StreamHeal.Hosting;
using Xunit;

namespace StreamHeal.Tests.Hosting;

public sealed class TelemetryOptionsTests
{
    [Theory]
    [InlineData(null, "grpc")]
    [InlineData("http://otel-collector:4317", "grpc")]
    [InlineData("https://collector.example:4318/v1/metrics", "http/protobuf")]
    public void No_endpoint_or_an_http_url_with_a_known_protocol_is_accepted(string? endpoint, string protocol) =>
        Assert.Empty(Support.Options.Invalid(new TelemetryOptions { OtlpEndpoint = endpoint, OtlpProtocol = protocol }));

    [Theory]
    [InlineData("otel-collector:4317", "grpc", nameof(TelemetryOptions.OtlpEndpoint))]
    [InlineData("ftp://otel-collector:4317", "grpc", nameof(TelemetryOptions.OtlpEndpoint))]
    [InlineData("http://otel-collector:4317", "http", nameof(TelemetryOptions.OtlpProtocol))]
    public void Anything_else_is_refused_naming_the_setting(string endpoint, string protocol, string member) =>
        Assert.Equal([member], Support.Options.Invalid(new TelemetryOptions { OtlpEndpoint = endpoint, OtlpProtocol = protocol }));
}
