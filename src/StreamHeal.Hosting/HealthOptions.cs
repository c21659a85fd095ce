using System.ComponentModel.DataAnnotations;
using System.Net;

namespace StreamHeal.Hosting;

/// <summary>The health endpoint. Bound from the <c>health</c> section.</summary>
public sealed class HealthOptions : IValidatableObject
{
    public const string SectionName = "health";
    public const string DefaultBindAddress = "127.0.0.1";

    /// <summary>Port serving <c>/health/live</c> and <c>/health/ready</c>; 0 turns the endpoint off. Default 8081.</summary>
    [Range(0, 65_535)]
    public int Port { get; set; } = 8081;

    /// <summary>
    /// IP address the endpoint listens on. Default <c>127.0.0.1</c> (this host only); a container sets <c>0.0.0.0</c>
    /// (every IPv4 interface) so that the orchestrator's probes reach it on the pod address.
    /// </summary>
    public string BindAddress { get; set; } = DefaultBindAddress;

    /// <summary>Seconds between status lines on the console; 0 turns them off. Default 5.</summary>
    [Range(0, 3_600)]
    public int StatusIntervalSeconds { get; set; } = 5;

    /// <summary>The parsed <see cref="BindAddress"/>; valid once the options passed validation.</summary>
    public IPAddress ParsedBindAddress() => IPAddress.Parse(BindAddress);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A host name would resolve to whichever address the resolver picks first; an orchestrator needs a fixed one.
        if (!IPAddress.TryParse(BindAddress, out _))
        {
            yield return new ValidationResult(
                $"health.bindAddress '{BindAddress}' is not an IP address; use 127.0.0.1 (this host only), 0.0.0.0 (every IPv4 interface, as in a container) or :: (every interface).",
                [nameof(BindAddress)]);
        }
    }
}
