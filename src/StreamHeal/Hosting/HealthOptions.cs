using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Hosting;

/// <summary>The health endpoint. Bound from the <c>health</c> section.</summary>
public sealed class HealthOptions
{
    public const string SectionName = "health";

    /// <summary>Loopback port serving <c>/health/live</c> and <c>/health/ready</c>; 0 turns the endpoint off. Default 8081.</summary>
    [Range(0, 65_535)]
    public int Port { get; set; } = 8081;

    /// <summary>Seconds between status lines on the console; 0 turns them off. Default 5.</summary>
    [Range(0, 3_600)]
    public int StatusIntervalSeconds { get; set; } = 5;
}
