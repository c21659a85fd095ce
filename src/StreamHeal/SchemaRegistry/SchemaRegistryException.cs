using System.Net;

namespace StreamHeal.SchemaRegistry;

/// <summary>
/// The registry answered with an error, or could not be reached. <see cref="SchemaRegistryErrors.IsTransient"/>
/// says whether retrying can help.
/// </summary>
public class SchemaRegistryException : Exception
{
    public SchemaRegistryException(string message, HttpStatusCode? httpStatus, int errorCode, Exception? innerException = null)
        : base(message, innerException)
    {
        HttpStatus = httpStatus;
        ErrorCode = errorCode;
    }

    /// <summary>Null when no response arrived (connection refused, timeout).</summary>
    public HttpStatusCode? HttpStatus { get; }

    /// <summary>
    /// The registry's <c>error_code</c> (for example 40401), the HTTP status when the body carried none,
    /// or 0 when no response arrived.
    /// </summary>
    public int ErrorCode { get; }

    public bool IsTransient => SchemaRegistryErrors.IsTransient(this);
}

/// <summary>40401: the subject has no versions.</summary>
public sealed class SubjectNotFoundException(string message, HttpStatusCode status)
    : SchemaRegistryException(message, status, SchemaRegistryErrors.SubjectNotFound);

/// <summary>40402: the subject exists but not that version.</summary>
public sealed class VersionNotFoundException(string message, HttpStatusCode status)
    : SchemaRegistryException(message, status, SchemaRegistryErrors.VersionNotFound);

/// <summary>40403: no schema has that id; a record framed with it cannot be decoded by any retry.</summary>
public sealed class SchemaNotFoundException(string message, HttpStatusCode status)
    : SchemaRegistryException(message, status, SchemaRegistryErrors.SchemaNotFound);

/// <summary>409: the schema breaks the subject's compatibility level.</summary>
public sealed class IncompatibleSchemaException(string message, HttpStatusCode status)
    : SchemaRegistryException(message, status, SchemaRegistryErrors.IncompatibleSchema);

/// <summary>42201: the registry could not parse the schema.</summary>
public sealed class InvalidSchemaException(string message, HttpStatusCode status)
    : SchemaRegistryException(message, status, SchemaRegistryErrors.InvalidSchema);

/// <summary>
/// The registry is down, slow or overloaded (connection refused, timeout, 5xx, 429). A dependency outage:
/// callers back off and retry, and never dead-letter a record because of it.
/// </summary>
public sealed class SchemaRegistryUnavailableException(
    string message, HttpStatusCode? httpStatus, int errorCode, Exception? innerException = null)
    : SchemaRegistryException(message, httpStatus, errorCode, innerException);
