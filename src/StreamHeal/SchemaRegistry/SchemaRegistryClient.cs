using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace StreamHeal.SchemaRegistry;

/// <summary>
/// Typed client for the Confluent Schema Registry REST API. Thread-safe. Every call throws a
/// <see cref="SchemaRegistryException"/> subtype on failure, <see cref="SchemaRegistryUnavailableException"/>
/// for outages and timeouts, and <see cref="OperationCanceledException"/> only when the caller's token was cancelled.
/// </summary>
public sealed class SchemaRegistryClient : IDisposable
{
    public const string MediaType = "application/vnd.schemaregistry.v1+json";
    public const string LatestVersion = "latest";

    private static readonly SchemaRegistryJsonContext s_json = SchemaRegistryJsonContext.Default;

    private readonly HttpClient _http;
    private readonly bool _ownsHttpClient;
    private readonly Uri _baseUri;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly TimeSpan _requestTimeout;

    /// <summary>Creates and owns an <see cref="HttpClient"/>.</summary>
    public SchemaRegistryClient(SchemaRegistryOptions options)
        : this(options, new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, ownsHttpClient: true)
    {
    }

    /// <summary>Uses <paramref name="httpClient"/> without disposing it; its base address is ignored.</summary>
    public SchemaRegistryClient(SchemaRegistryOptions options, HttpClient httpClient)
        : this(options, httpClient, ownsHttpClient: false)
    {
    }

    private SchemaRegistryClient(SchemaRegistryOptions options, HttpClient httpClient, bool ownsHttpClient)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClient);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        _http = httpClient;
        _ownsHttpClient = ownsHttpClient;
        _baseUri = new Uri(options.Url.EndsWith('/') ? options.Url : options.Url + "/", UriKind.Absolute);
        _requestTimeout = options.RequestTimeout;
        if (!string.IsNullOrEmpty(options.BasicAuthUserInfo))
        {
            // The value is a secret: the message names the setting, never its content.
            if (!options.BasicAuthUserInfo.Contains(':', StringComparison.Ordinal))
            {
                throw new ArgumentException("schemaRegistry.basicAuthUserInfo must have the form user:password.", nameof(options));
            }

            _authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(options.BasicAuthUserInfo)));
        }
    }

    public async Task<RegisteredSchema> GetSchemaByIdAsync(int id, CancellationToken cancellationToken = default)
    {
        var path = $"schemas/ids/{id}";
        var body = await SendAsync(HttpMethod.Get, path, null, s_json.SchemaResponse, cancellationToken);
        return new RegisteredSchema(id, Required(body.Schema, path), body.SchemaType ?? SchemaTypes.Avro);
    }

    /// <summary>Registers <paramref name="schema"/> under <paramref name="subject"/>, or returns the id it already has there.</summary>
    /// <returns>The schema's global id.</returns>
    public async Task<int> RegisterAsync(
        string subject, string schema, string schemaType = SchemaTypes.Avro, CancellationToken cancellationToken = default)
    {
        var content = Json(new SchemaRequest(schema, WireSchemaType(schemaType)), s_json.SchemaRequest);
        var body = await SendAsync(HttpMethod.Post, $"subjects/{Escape(subject)}/versions", content, s_json.IdResponse, cancellationToken);
        return body.Id;
    }

    public Task<SubjectVersion> GetLatestAsync(string subject, CancellationToken cancellationToken = default) =>
        GetVersionAsync(subject, LatestVersion, cancellationToken);

    public Task<SubjectVersion> GetVersionAsync(string subject, int version, CancellationToken cancellationToken = default) =>
        GetVersionAsync(subject, version.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);

    /// <returns>The subject's version numbers, oldest first.</returns>
    public async Task<IReadOnlyList<int>> GetVersionsAsync(string subject, CancellationToken cancellationToken = default) =>
        await SendAsync(HttpMethod.Get, $"subjects/{Escape(subject)}/versions", null, s_json.ListInt32, cancellationToken);

    /// <summary>Asks whether <paramref name="schema"/> could be registered after <paramref name="version"/> of the subject.</summary>
    /// <param name="version">A version number or <see cref="LatestVersion"/>.</param>
    public async Task<CompatibilityResult> TestCompatibilityAsync(
        string subject, string schema, string version = LatestVersion, string schemaType = SchemaTypes.Avro,
        CancellationToken cancellationToken = default)
    {
        var content = Json(new SchemaRequest(schema, WireSchemaType(schemaType)), s_json.SchemaRequest);
        var path = $"compatibility/subjects/{Escape(subject)}/versions/{Escape(version)}?verbose=true";
        var body = await SendAsync(HttpMethod.Post, path, content, s_json.CompatibilityResponse, cancellationToken);
        return new CompatibilityResult(body.IsCompatible, body.Messages ?? []);
    }

    /// <summary>The level that applies to the subject: its own, or the global one when it has none.</summary>
    public async Task<CompatibilityLevel> GetSubjectConfigAsync(string subject, CancellationToken cancellationToken = default)
    {
        var path = $"config/{Escape(subject)}?defaultToGlobal=true";
        var body = await SendAsync(HttpMethod.Get, path, null, s_json.ConfigResponse, cancellationToken);
        return ParseLevel(body.CompatibilityLevel ?? body.Compatibility, path);
    }

    public async Task<CompatibilityLevel> SetSubjectConfigAsync(
        string subject, CompatibilityLevel compatibilityLevel, CancellationToken cancellationToken = default)
    {
        var path = $"config/{Escape(subject)}";
        var content = Json(new ConfigRequest(CompatibilityLevelNames.ToWire(compatibilityLevel)), s_json.ConfigRequest);
        var body = await SendAsync(HttpMethod.Put, path, content, s_json.ConfigResponse, cancellationToken);
        return ParseLevel(body.Compatibility ?? body.CompatibilityLevel, path);
    }

    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _http.Dispose();
        }
    }

    private async Task<SubjectVersion> GetVersionAsync(string subject, string version, CancellationToken cancellationToken)
    {
        var path = $"subjects/{Escape(subject)}/versions/{Escape(version)}";
        var body = await SendAsync(HttpMethod.Get, path, null, s_json.SubjectVersionResponse, cancellationToken);
        return new SubjectVersion(body.Subject ?? subject, body.Id, body.Version, Required(body.Schema, path), body.SchemaType ?? SchemaTypes.Avro);
    }

    private async Task<T> SendAsync<T>(
        HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> responseType, CancellationToken cancellationToken)
    {
        var request = $"{method} /{path}";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_requestTimeout);
        using var message = new HttpRequestMessage(method, new Uri(_baseUri, path)) { Content = content };
        message.Headers.Accept.ParseAdd(MediaType);
        message.Headers.Accept.ParseAdd("application/json; q=0.5");
        message.Headers.Authorization = _authorization;
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw await ReadErrorAsync(response, request, timeout.Token);
            }

            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            try
            {
                return await JsonSerializer.DeserializeAsync(stream, responseType, timeout.Token)
                    ?? throw new JsonException("The body is JSON null.");
            }
            catch (JsonException e)
            {
                SchemaRegistryErrors.ThrowUnexpectedBody(request, response.StatusCode, e);
                throw;
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            SchemaRegistryErrors.ThrowUnavailable(
                request, $"no response from {_baseUri.Authority} within schemaRegistry.requestTimeout ({_requestTimeout.TotalSeconds:0.###} s)", e);
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            SchemaRegistryErrors.ThrowUnavailable(request, $"cannot reach {_baseUri.Authority}: {e.Message}", e);
            throw;
        }
    }

    private static async Task<SchemaRegistryException> ReadErrorAsync(HttpResponseMessage response, string request, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        ErrorResponse? error = null;
        try
        {
            error = JsonSerializer.Deserialize(text, s_json.ErrorResponse);
        }
        catch (JsonException)
        {
            // A proxy or load balancer in front of the registry answers in HTML or plain text; the status still classifies it.
        }

        const int MaxQuoted = 200;
        var message = error?.Message ?? (text.Length > MaxQuoted ? text[..MaxQuoted] + "…" : text);
        var code = error is { ErrorCode: > 0 } ? error.ErrorCode : (int)response.StatusCode;
        return SchemaRegistryErrors.FromResponse(response.StatusCode, code, message, request);
    }

    private static ByteArrayContent Json<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
        content.Headers.ContentType = new MediaTypeHeaderValue(MediaType);
        return content;
    }

    private static string? WireSchemaType(string schemaType) =>
        string.Equals(schemaType, SchemaTypes.Avro, StringComparison.OrdinalIgnoreCase) ? null : schemaType;

    private static string Escape(string segment)
    {
        ArgumentException.ThrowIfNullOrEmpty(segment);
        return Uri.EscapeDataString(segment);
    }

    private static string Required(string? schema, string path) =>
        schema ?? throw new SchemaRegistryException($"Schema Registry GET /{path}: the response has no schema", HttpStatusCode.OK, 0);

    private static CompatibilityLevel ParseLevel(string? wire, string path) =>
        CompatibilityLevelNames.TryParse(wire, out var level)
            ? level
            : throw new SchemaRegistryException(
                $"Schema Registry /{path}: unknown compatibility level '{wire}'", HttpStatusCode.OK, 0);
}
