using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace StreamHeal.SchemaRegistry;

/// <summary>The one place Schema Registry errors are classified and created.</summary>
public static class SchemaRegistryErrors
{
    public const int SubjectNotFound = 40401;
    public const int VersionNotFound = 40402;
    public const int SchemaNotFound = 40403;
    public const int SubjectConfigNotFound = 40408;
    public const int IncompatibleSchema = 409;
    public const int InvalidSchema = 42201;
    public const int InvalidVersion = 42202;
    public const int InvalidCompatibilityLevel = 42203;

    /// <summary>
    /// Whether retrying the same request can succeed. Outages, timeouts, 5xx and rate limits are transient;
    /// a missing subject, version or schema id, an invalid or incompatible schema and refused credentials are not.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        SchemaRegistryUnavailableException => true,
        SchemaRegistryException { HttpStatus: { } status } => (int)status >= 500 || status == HttpStatusCode.TooManyRequests,
        HttpRequestException or TimeoutException => true,
        _ => false,
    };

    /// <summary>Builds the typed exception for an error response.</summary>
    public static SchemaRegistryException FromResponse(HttpStatusCode status, int errorCode, string message, string request)
    {
        var text = $"Schema Registry {request}: {message} (HTTP {(int)status}, error_code {errorCode})";
        if ((int)status >= 500 || status == HttpStatusCode.TooManyRequests)
        {
            return new SchemaRegistryUnavailableException(text, status, errorCode);
        }

        return errorCode switch
        {
            SubjectNotFound => new SubjectNotFoundException(text, status),
            VersionNotFound => new VersionNotFoundException(text, status),
            SchemaNotFound => new SchemaNotFoundException(text, status),
            IncompatibleSchema => new IncompatibleSchemaException(text, status),
            InvalidSchema => new InvalidSchemaException(text, status),
            _ when status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new SchemaRegistryException(
                text + "; check schemaRegistry.basicAuthUserInfo", status, errorCode),
            _ => new SchemaRegistryException(text, status, errorCode),
        };
    }

    [DoesNotReturn]
    internal static void ThrowUnavailable(string request, string reason, Exception? inner) =>
        throw new SchemaRegistryUnavailableException($"Schema Registry {request}: {reason}", null, 0, inner);

    [DoesNotReturn]
    internal static void ThrowUnexpectedBody(string request, HttpStatusCode status, Exception? inner) =>
        throw new SchemaRegistryException(
            $"Schema Registry {request}: the response body (HTTP {(int)status}) is not the JSON the API documents",
            status, (int)status, inner);
}
