using System.ComponentModel.DataAnnotations;
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
            // retries inside the client would only hide it and multiply the wait.
            MaxRetries = 0,
            MaxCachedSchemas = options.CacheCapacity,
        };
        if (!string.IsNullOrEmpty(options.BasicAuthUserInfo))
        {
            config.BasicAuthCredentialsSource = AuthCredentialsSource.UserInfo;
            config.BasicAuthUserInfo = options.BasicAuthUserInfo;
        }

        if (!string.IsNullOrEmpty(options.BearerAuthToken))
        {
            config.BearerAuthCredentialsSource = BearerAuthCredentialsSource.StaticToken;
            config.BearerAuthToken = options.BearerAuthToken;
        }

        return new CachedSchemaRegistryClient(config);
    }
}
