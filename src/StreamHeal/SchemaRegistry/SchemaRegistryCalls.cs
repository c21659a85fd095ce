using System.Globalization;
using Confluent.SchemaRegistry;

namespace StreamHeal.SchemaRegistry;

/// <summary>
/// The registry calls StreamHeal makes, on Confluent's client, each with the caller's cancellation and the errors
/// translated by <see cref="SchemaRegistryErrors"/>: a <see cref="SchemaRegistryException"/> subtype on failure,
/// <see cref="SchemaRegistryUnavailableException"/> for outages and timeouts, and
/// <see cref="OperationCanceledException"/> only when the caller's token was cancelled.
/// </summary>
public static class SchemaRegistryCalls
{
    private const string RequestTimeoutKey = "schema.registry.request.timeout.ms";

    public static Task<Schema> GetSchemaByIdAsync(this ISchemaRegistryClient client, int id, CancellationToken cancellationToken = default) =>
        client.CallAsync(static (c, id) => c.GetSchemaAsync(id), id, Request("GET /schemas/ids/{0}", id), cancellationToken);

    /// <summary>Registers an Avro schema under <paramref name="subject"/>, or returns the id it already has there.</summary>
    /// <returns>The schema's global id.</returns>
    public static Task<int> RegisterAvroAsync(
        this ISchemaRegistryClient client, string subject, string schema, CancellationToken cancellationToken = default) =>
        client.CallAsync(
            static (c, s) => c.RegisterSchemaAsync(s.subject, new Schema(s.schema, SchemaType.Avro)),
            (subject, schema), Request("POST /subjects/{0}/versions", subject), cancellationToken);

    /// <returns>The subject's version numbers, oldest first.</returns>
    public static Task<List<int>> GetVersionsAsync(this ISchemaRegistryClient client, string subject, CancellationToken cancellationToken = default) =>
        client.CallAsync(static (c, s) => c.GetSubjectVersionsAsync(s), subject, Request("GET /subjects/{0}/versions", subject), cancellationToken);

    public static Task<RegisteredSchema> GetVersionAsync(
        this ISchemaRegistryClient client, string subject, int version, CancellationToken cancellationToken = default) =>
        client.CallAsync(
            static (c, s) => c.GetRegisteredSchemaAsync(s.subject, s.version, ignoreDeletedSchemas: true),
            (subject, version), Request("GET /subjects/{0}/versions/{1}", subject, version), cancellationToken);

    /// <summary>Runs any other call of Confluent's client with the same cancellation and error translation.</summary>
    /// <param name="request">What is asked, for example <c>GET /config/orders-value</c>, for error messages.</param>
    public static async Task<T> CallAsync<TState, T>(
        this ISchemaRegistryClient client, Func<ISchemaRegistryClient, TState, Task<T>> call, TState state, string request,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(call);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // Confluent's client takes no token: the caller stops waiting and the request ends at its own timeout.
            return await call(client, state).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested
            && SchemaRegistryErrors.Classify(e, request, RequestTimeout(client)) is { } classified)
        {
            throw classified;
        }
    }

    private static TimeSpan RequestTimeout(ISchemaRegistryClient client)
    {
        foreach (var (key, value) in client.Config)
        {
            if (key == RequestTimeoutKey && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
            {
                return TimeSpan.FromMilliseconds(ms);
            }
        }

        return SchemaRegistryOptions.DefaultRequestTimeout;
    }

    private static string Request(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
