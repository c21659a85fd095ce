using System.ComponentModel.DataAnnotations;

namespace StreamHeal.SchemaRegistry;

/// <summary>How to reach the Confluent Schema Registry (configuration section <c>schemaRegistry</c>).</summary>
public sealed class SchemaRegistryOptions
{
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(10);
    public const int DefaultCacheCapacity = 100;

    /// <summary>Base address, for example <c>http://localhost:8081</c>. Required; no default.</summary>
    [Required]
    [Url]
    public string Url { get; set; } = "";

    /// <summary>
    /// Basic authentication as <c>user:password</c> (a Confluent Cloud API key and secret). Optional; default none.
    /// It is a secret: it is sent in the Authorization header and never logged or put in an exception message.
    /// </summary>
    public string? BasicAuthUserInfo { get; set; }

    /// <summary>
    /// Limit on one request, connection included; a request that takes longer counts as the registry being
    /// unavailable. Default <see cref="DefaultRequestTimeout"/> (10 s).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = DefaultRequestTimeout;

    /// <summary>Most schemas kept in memory, least recently used evicted first. Default <see cref="DefaultCacheCapacity"/>.</summary>
    [Range(1, 1_000_000)]
    public int CacheCapacity { get; set; } = DefaultCacheCapacity;
}
