using System.ComponentModel.DataAnnotations;
using System.Net.Http.Headers;
using Confluent.SchemaRegistry;

namespace StreamHeal.SchemaRegistry;

/// <summary>Builds Confluent's <see cref="CachedSchemaRegistryClient"/> from <see cref="SchemaRegistryOptions"/>.</summary>
public static class SchemaRegistryClients
{
    /// <exception cref="ValidationException">The options are invalid; the message names the setting.</exception>
    public static ISchemaRegistryClient Create(SchemaRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        var config = new SchemaRegistryConfig
        {
            Url = string.Join(',', options.Urls),
            RequestTimeoutMs = (int)Math.Ceiling(options.RequestTimeout.TotalMilliseconds),
            // One retry layer: the pipeline's DependencyRetry backs off without limit and reports the outage;
            // retries inside the client would only hide it and multiply the wait. In 2.16.0 "max retries" counts
            // attempts (0 sends nothing and fails with a NullReferenceException), so 1 is one request, and the
            // zero waits stop it sleeping after a 5xx before it returns. A test counts the requests of one call.
            MaxRetries = 1,
            RetriesWaitMs = 0,
            RetriesMaxWaitMs = 0,
            MaxCachedSchemas = options.CacheCapacity,
        };
        if (!string.IsNullOrEmpty(options.BasicAuthUserInfo))
        {
            config.BasicAuthCredentialsSource = AuthCredentialsSource.UserInfo;
            config.BasicAuthUserInfo = options.BasicAuthUserInfo;
        }

        // Confluent's StaticToken source also demands a Confluent Cloud logical cluster and identity pool; a plain
        // bearer header works with any registry behind an OAuth gateway and with Confluent Cloud's own tokens.
        return string.IsNullOrEmpty(options.BearerAuthToken)
            ? new CachedSchemaRegistryClient(config)
            : new CachedSchemaRegistryClient(config, new StaticBearer(options.BearerAuthToken));
    }

    private sealed class StaticBearer(string token) : IAuthenticationHeaderValueProvider
    {
        private readonly AuthenticationHeaderValue _header = new("Bearer", token);

        public AuthenticationHeaderValue GetAuthenticationHeader() => _header;
    }
}
