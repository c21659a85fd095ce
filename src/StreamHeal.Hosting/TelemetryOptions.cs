using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Hosting;

/// <summary>Pushing the metrics over OTLP, beside the <c>/metrics</c> scrape. Bound from the <c>telemetry</c> section.</summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string SectionName = "telemetry";
    public const string Grpc = "grpc";
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>
    /// The OTLP collector to push to, e.g. <c>http://otel-collector:4317</c> (gRPC) or
    /// <c>http://otel-collector:4318/v1/metrics</c> (HTTP); unset (the default) pushes nothing.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = Grpc;

    /// <summary>Seconds between pushes. Default 15, Prometheus's usual scrape interval.</summary>
    [Range(1, 3_600)]
    public int OtlpIntervalSeconds { get; set; } = 15;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OtlpEndpoint is not null && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult(
                $"telemetry.otlpEndpoint '{OtlpEndpoint}' is not an http or https URL; e.g. http://otel-collector:4317 (grpc) or http://otel-collector:4318/v1/metrics (http/protobuf).",
                [nameof(OtlpEndpoint)]);
        }

        if (OtlpProtocol is not (Grpc or HttpProtobuf))
        {
            yield return new ValidationResult($"telemetry.otlpProtocol '{OtlpProtocol}' is neither '{Grpc}' nor '{HttpProtobuf}'.", [nameof(OtlpProtocol)]);
        }
    }
}
