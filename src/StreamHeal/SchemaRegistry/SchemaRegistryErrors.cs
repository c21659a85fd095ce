using System.Net;
using ConfluentRegistryException = Confluent.SchemaRegistry.SchemaRegistryException;

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
        SchemaRegistryException { HttpStatus: { } status } => IsTransientStatus(status),
        // Confluent's error response derives from HttpRequestException: check it before the connection failures.
        ConfluentRegistryException error => IsTransientStatus(error.Status),
        HttpRequestException or TimeoutException => true,
        _ => false,
    };

    /// <summary>Builds the typed exception for an error response.</summary>
    public static SchemaRegistryException FromResponse(HttpStatusCode status, int errorCode, string message, string request)
    {
        var text = $"Schema Registry {request}: {message} (HTTP {(int)status}, error_code {errorCode})";
        if (IsTransientStatus(status))
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
                text + "; check schemaRegistry.basicAuthUserInfo or schemaRegistry.bearerAuthToken", status, errorCode),
            _ => new SchemaRegistryException(text, status, errorCode),
        };
    }

    /// <summary>
    /// Translates what Confluent's client throws into our types, or returns null for anything else (a bug, a
    /// cancellation by the caller), which the caller rethrows unchanged.
    /// </summary>
    /// <param name="request">What was asked, for example <c>GET /schemas/ids/7</c>, for the message.</param>
    public static SchemaRegistryException? Classify(Exception exception, string request, TimeSpan requestTimeout)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            // Confluent puts "; error code: N" in its message; ours says it once, in our words.
            ConfluentRegistryException error => FromResponse(
                error.Status,
                error.ErrorCode > 0 ? error.ErrorCode : (int)error.Status,
                StripErrorCode(error.Message),
                request),
            // Confluent answers a 401 without a JSON body with this bare message; it is refused credentials, not an outage.
            HttpRequestException { Message: "Unauthorized" } => FromResponse(HttpStatusCode.Unauthorized, 401, "Unauthorized", request),
            // Confluent wraps the HttpClient timeout of the last address it tried.
            HttpRequestException { InnerException: OperationCanceledException or TimeoutException } or OperationCanceledException or TimeoutException =>
                new SchemaRegistryUnavailableException(
                    $"Schema Registry {request}: no response within schemaRegistry.requestTimeout ({requestTimeout.TotalSeconds:0.###} s): {exception.Message}",
                    null, 0, exception),
            // After trying every address (Confluent keeps only the text of each failure, a 5xx or 429 included).
            HttpRequestException error => new SchemaRegistryUnavailableException(
                $"Schema Registry {request}: cannot reach the registry: {error.Message}", error.StatusCode, 0, error),
            _ => null,
        };
    }

    private static bool IsTransientStatus(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;

    private static string StripErrorCode(string message)
    {
        var at = message.LastIndexOf("; error code: ", StringComparison.Ordinal);
        return at < 0 ? message : message[..at];
    }
}
