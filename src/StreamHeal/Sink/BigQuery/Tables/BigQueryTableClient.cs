using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace StreamHeal.Sink.BigQuery.Tables;

/// <summary>
/// The tables endpoints of the BigQuery REST API v2 (get, insert, patch) at <see cref="BigQuerySinkOptions.RestEndpoint"/>,
/// with a bearer token from the same provider as the Storage Write client. The answers a caller acts on come back as
/// null (404 on get, 409 on insert, 412 on patch); every other failure is thrown as classified by
/// <see cref="BigQueryRestErrors"/>, and <see cref="OperationCanceledException"/> only when the caller cancelled. Thread-safe.
/// </summary>
internal sealed class BigQueryTableClient : IDisposable
{
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    private static readonly BigQueryTablesJsonContext s_json = BigQueryTablesJsonContext.Default;

    private readonly BigQuerySinkOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttpClient;
    private readonly Func<CancellationToken, ValueTask<string?>>? _tokenProvider;
    private readonly TimeSpan _requestTimeout;
    private readonly string _tablesUrl;

    /// <summary>Creates and owns an <see cref="HttpClient"/>.</summary>
    public BigQueryTableClient(BigQuerySinkOptions options, Func<CancellationToken, ValueTask<string?>>? tokenProvider, TimeSpan? requestTimeout = null)
        : this(options, new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, tokenProvider, requestTimeout, ownsHttpClient: true)
    {
    }

    /// <summary>Uses <paramref name="httpClient"/> without disposing it; its base address and timeout are ignored.</summary>
    public BigQueryTableClient(BigQuerySinkOptions options, HttpClient httpClient, Func<CancellationToken, ValueTask<string?>>? tokenProvider, TimeSpan? requestTimeout = null)
        : this(options, httpClient, tokenProvider, requestTimeout, ownsHttpClient: false)
    {
    }

    private BigQueryTableClient(BigQuerySinkOptions options, HttpClient httpClient, Func<CancellationToken, ValueTask<string?>>? tokenProvider, TimeSpan? requestTimeout, bool ownsHttpClient)
    {
        _options = options;
        _http = httpClient;
        _ownsHttpClient = ownsHttpClient;
        _tokenProvider = tokenProvider;
        _requestTimeout = requestTimeout ?? DefaultRequestTimeout;
        _tablesUrl = $"{options.RestEndpoint.AbsoluteUri.TrimEnd('/')}/bigquery/v2/projects/{Escape(options.ProjectId)}/datasets/{Escape(options.Dataset)}/tables";
    }

    /// <returns>The table, or null when it does not exist.</returns>
    public Task<BigQueryTableResource?> GetAsync(string table, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, table, $"{_tablesUrl}/{Escape(table)}", body: null, etag: null, HttpStatusCode.NotFound, cancellationToken);

    /// <summary>
    /// Creates the table with <paramref name="fields"/>, day-partitioned on <see cref="BigQuerySinkOptions.TimePartitioningField"/>
    /// and clustered on <see cref="BigQuerySinkOptions.ClusteringFields"/> when they are set.
    /// </summary>
    /// <returns>The new table, or null when it already exists (another writer created it first).</returns>
    public Task<BigQueryTableResource?> InsertAsync(string table, IReadOnlyList<BigQueryFieldResource> fields, CancellationToken cancellationToken)
    {
        var body = new BigQueryTableResource(
            new BigQueryTableReference(_options.ProjectId, _options.Dataset, table),
            new BigQueryTableSchemaResource([.. fields.Select(BigQueryFieldJson.From)]),
            TimePartitioning: string.IsNullOrWhiteSpace(_options.TimePartitioningField) ? null : new BigQueryTimePartitioning("DAY", _options.TimePartitioningField),
            Clustering: _options.ClusteringFields.Count == 0 ? null : new BigQueryClustering(_options.ClusteringFields));
        return SendAsync(HttpMethod.Post, table, _tablesUrl, body, etag: null, HttpStatusCode.Conflict, cancellationToken);
    }

    /// <summary>
    /// Appends <paramref name="added"/> to the table's field list if the table still has <paramref name="etag"/>, so a
    /// concurrent change is never overwritten. A PATCH replaces the whole list, so <paramref name="existing"/> must be
    /// the fields exactly as the read returned them: they are sent back byte for byte, nested fields and properties
    /// StreamHeal does not know included.
    /// </summary>
    /// <returns>The changed table, or null when its etag changed since it was read (re-read and try again).</returns>
    public Task<BigQueryTableResource?> PatchAsync(
        string table, IReadOnlyList<JsonElement> existing, IReadOnlyList<BigQueryFieldResource> added, string? etag, CancellationToken cancellationToken)
    {
        var body = new BigQueryTableResource(Schema: new BigQueryTableSchemaResource([.. existing, .. added.Select(BigQueryFieldJson.From)]));
        return SendAsync(HttpMethod.Patch, table, $"{_tablesUrl}/{Escape(table)}", body, etag, HttpStatusCode.PreconditionFailed, cancellationToken);
    }

    /// <summary><c>project:dataset.table</c>, as BigQuery names a table in messages.</summary>
    public string QualifiedName(string table) => $"{_options.ProjectId}:{_options.Dataset}.{table}";

    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _http.Dispose();
        }
    }

    private async Task<BigQueryTableResource?> SendAsync(
        HttpMethod method, string table, string url, BigQueryTableResource? body, string? etag, HttpStatusCode nullOn, CancellationToken cancellationToken)
    {
        var request = $"{method} {QualifiedName(table)}";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_requestTimeout);
        try
        {
            using var message = new HttpRequestMessage(method, url);
            message.Headers.Accept.ParseAdd("application/json");
            if (body is not null)
            {
                message.Content = Json(body, s_json.BigQueryTableResource);
            }

            if (etag is not null)
            {
                // BigQuery's etag is sent back as it was received, the way Google's own clients do.
                message.Headers.TryAddWithoutValidation("If-Match", etag);
            }

            if (_tokenProvider is not null && await _tokenProvider(timeout.Token).ConfigureAwait(false) is { Length: > 0 } token)
            {
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode == nullOn)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw BigQueryRestErrors.FromResponse(response.StatusCode, await ReadErrorAsync(response, timeout.Token).ConfigureAwait(false), request, QualifiedName(table));
            }

            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync(stream, s_json.BigQueryTableResource, timeout.Token).ConfigureAwait(false)
                ?? throw new JsonException($"BigQuery {request}: the body is JSON null.");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw BigQueryRestErrors.Unreachable(request, $"no response from {_options.RestEndpoint.Authority} within {_requestTimeout.TotalSeconds:0.###} s", e);
        }
        catch (HttpRequestException e) when (BigQueryCallFailure.TlsProblem(e) is { } problem)
        {
            throw BigQueryCallFailure.Misconfigured($"BigQuery {request}", problem, "sink.bigquery.restEndpoint", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw BigQueryRestErrors.Unreachable(request, $"cannot reach {_options.RestEndpoint.Authority}: {e.Message}", e);
        }
    }

    private static async Task<BigQueryError?> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(text, s_json.BigQueryErrorEnvelope)?.Error;
        }
        catch (JsonException)
        {
            // A proxy or load balancer answers in HTML or plain text; the status still classifies it.
            const int MaxQuoted = 200;
            return new BigQueryError((int)response.StatusCode, text.Length > MaxQuoted ? text[..MaxQuoted] + "…" : text, null, null);
        }
    }

    private static ByteArrayContent Json<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private static string Escape(string segment)
    {
        ArgumentException.ThrowIfNullOrEmpty(segment);
        return Uri.EscapeDataString(segment);
    }
}
