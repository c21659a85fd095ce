using System.ComponentModel.DataAnnotations;

namespace StreamHeal.SchemaRegistry;

/// <summary>How to reach the Confluent Schema Registry (configuration section <c>schemaRegistry</c>).</summary>
public sealed class SchemaRegistryOptions : IValidatableObject
{
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(10);
    public const int DefaultCacheCapacity = 100;
    public static readonly TimeSpan DefaultNotFoundGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Base address, for example <c>http://localhost:8081</c>, or several separated by commas: the client moves to
    /// the next when one cannot be reached. <c>https://</c> addresses use TLS. Required; no default.
    /// </summary>
    [Required]
    public string Url { get; set; } = "";

    /// <summary>
    /// Basic authentication as <c>user:password</c> (a Confluent Cloud API key and secret). Optional; default none.
    /// It is a secret: it is sent in the Authorization header and never logged or put in an exception message.
    /// </summary>
    public string? BasicAuthUserInfo { get; set; }

    /// <summary>
    /// A static bearer token sent as <c>Authorization: Bearer</c>. Optional; default none; not together with
    /// <see cref="BasicAuthUserInfo"/>. A secret, like it.
    /// </summary>
    public string? BearerAuthToken { get; set; }

    /// <summary>
    /// Limit on one request, connection included; a request that takes longer counts as the registry being
    /// unavailable. Default <see cref="DefaultRequestTimeout"/> (10 s).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = DefaultRequestTimeout;

    /// <summary>Most schemas kept in memory, least recently used evicted first. Default <see cref="DefaultCacheCapacity"/>.</summary>
    [Range(1, 1_000_000)]
    public int CacheCapacity { get; set; } = DefaultCacheCapacity;

    /// <summary>
    /// How long a schema id the registry does not know is asked for again before its records are dead-lettered as
    /// <c>schema_not_found</c>: a registry follower answers 40403 for an id the leader assigned a moment ago until it
    /// has read it. Once per id; later records with an id still unknown after it go to the DLQ at once. 0 dead-letters
    /// at the first 40403. Default <see cref="DefaultNotFoundGrace"/> (2 s).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan NotFoundGrace { get; set; } = DefaultNotFoundGrace;

    /// <summary>The addresses in <see cref="Url"/>, trimmed, empty entries dropped.</summary>
    public IReadOnlyList<string> Urls =>
        Url.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(Url) && Urls.Count == 0)
        {
            yield return new ValidationResult("schemaRegistry.url holds no address.", [nameof(Url)]);
        }

        foreach (var url in Urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                yield return new ValidationResult(
                    $"schemaRegistry.url: '{url}' is not an absolute http:// or https:// address (separate several with commas).",
                    [nameof(Url)]);
            }
            else if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                // The value is a secret: the message names the setting, never its content.
                yield return new ValidationResult(
                    "schemaRegistry.url must not carry credentials; put them in schemaRegistry.basicAuthUserInfo.", [nameof(Url)]);
            }
        }

        if (!string.IsNullOrEmpty(BasicAuthUserInfo) && !BasicAuthUserInfo.Contains(':', StringComparison.Ordinal))
        {
            yield return new ValidationResult("schemaRegistry.basicAuthUserInfo must have the form user:password.", [nameof(BasicAuthUserInfo)]);
        }

        if (!string.IsNullOrEmpty(BasicAuthUserInfo) && !string.IsNullOrEmpty(BearerAuthToken))
        {
            yield return new ValidationResult(
                "schemaRegistry.basicAuthUserInfo and schemaRegistry.bearerAuthToken are both set; use one of them.",
                [nameof(BasicAuthUserInfo), nameof(BearerAuthToken)]);
        }
    }
}
