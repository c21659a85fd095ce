using System.Diagnostics;
using System.Net;
using Confluent.SchemaRegistry;
using StreamHeal.SchemaRegistry;
using SchemaRegistryException = StreamHeal.SchemaRegistry.SchemaRegistryException;
using StreamHeal.Dev.Registry;
using Xunit;

namespace StreamHeal.IntegrationTests.SchemaRegistry;

public sealed class SchemaRegistryClientTests : IAsyncLifetime
{
    private const string Subject = "orders-value";

    private EmbeddedSchemaRegistry _registry = null!;
    private ISchemaRegistryClient _client = null!;

    public async Task InitializeAsync()
    {
        _registry = await EmbeddedSchemaRegistry.StartAsync();
        _client = NewClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _registry.DisposeAsync();
    }

    [Fact]
    public async Task Register_then_get_by_id_returns_the_schema_as_Avro()
    {
        var id = await _client.RegisterAvroAsync(Subject, AvroSchemas.OrderV1);
        using var other = NewClient();
        var again = await other.RegisterAvroAsync(Subject, AvroSchemas.OrderV1);

        var schema = await other.GetSchemaByIdAsync(id);

        Assert.Equal(id, again);
        Assert.Equal((AvroSchemas.OrderV1, SchemaType.Avro), (schema.SchemaString, schema.SchemaType));
    }

    [Fact]
    public async Task Versions_latest_and_a_given_version_describe_the_subject()
    {
        var v1 = await _client.RegisterAvroAsync(Subject, AvroSchemas.OrderV1);
        var v2 = await _client.RegisterAvroAsync(Subject, AvroSchemas.OrderWithDefaultedNote);

        var versions = await _client.GetVersionsAsync(Subject);
        var latest = await _client.LatestAsync(Subject);
        var first = await _client.GetVersionAsync(Subject, 1);

        Assert.Equal([1, 2], versions);
        Assert.Equal((Subject, v2, 2, AvroSchemas.OrderWithDefaultedNote, SchemaType.Avro), Describe(latest));
        Assert.Equal((Subject, v1, 1, AvroSchemas.OrderV1, SchemaType.Avro), Describe(first));
    }

    [Fact]
    public async Task Subject_names_are_escaped_in_the_path()
    {
        const string odd = "orders value+ü";
        var id = await _client.RegisterAvroAsync(odd, AvroSchemas.OrderV1);

        var latest = await _client.LatestAsync(odd);

        Assert.Equal((odd, id), (latest.Subject, latest.Id));
    }

    [Fact]
    public async Task Compatibility_test_says_yes_or_no()
    {
        await _client.RegisterAvroAsync(Subject, AvroSchemas.OrderV1);

        var widened = await _client.CallAsync(static (c, s) => c.IsCompatibleAsync(Subject, new Schema(s, SchemaType.Avro)), AvroSchemas.OrderAmountAsDouble, "compatibility");
        var retyped = await _client.CallAsync(static (c, s) => c.IsCompatibleAsync(Subject, new Schema(s, SchemaType.Avro)), AvroSchemas.OrderAmountAsString, "compatibility");

        Assert.True(widened);
        Assert.False(retyped);
    }

    [Fact]
    public async Task Subject_config_is_the_global_level_until_set_for_the_subject()
    {
        // Confluent's client asks for the subject's own level (no defaultToGlobal), which the registry answers with 40408.
        var global = await _client.CallAsync(static (c, _) => c.GetCompatibilityAsync(), 0, "GET /config");
        var unset = await AssertPermanent<SchemaRegistryException>(
            () => _client.CallAsync(static (c, s) => c.GetCompatibilityAsync(s), Subject, "GET /config/" + Subject), HttpStatusCode.NotFound, 40408);
        var set = await _client.CallAsync(static (c, s) => c.UpdateCompatibilityAsync(Compatibility.FullTransitive, s), Subject, "PUT /config/" + Subject);
        var after = await _client.CallAsync(static (c, s) => c.GetCompatibilityAsync(s), Subject, "GET /config/" + Subject);

        Assert.Equal(Compatibility.Backward, global);
        Assert.Contains("subject-level compatibility", unset.Message, StringComparison.Ordinal);
        Assert.Equal(Compatibility.FullTransitive, set);
        Assert.Equal(Compatibility.FullTransitive, after);
    }

    [Fact]
    public async Task Each_registry_error_code_has_its_own_permanent_exception()
    {
        await _client.RegisterAvroAsync(Subject, AvroSchemas.OrderV1);

        await AssertPermanent<SubjectNotFoundException>(() => _client.GetVersionsAsync("nobody"), HttpStatusCode.NotFound, 40401);
        await AssertPermanent<VersionNotFoundException>(() => _client.GetVersionAsync(Subject, 9), HttpStatusCode.NotFound, 40402);
        await AssertPermanent<SchemaNotFoundException>(() => _client.GetSchemaByIdAsync(999), HttpStatusCode.NotFound, 40403);
        await AssertPermanent<IncompatibleSchemaException>(
            () => _client.RegisterAvroAsync(Subject, AvroSchemas.OrderAmountAsString), HttpStatusCode.Conflict, 409);
        await AssertPermanent<InvalidSchemaException>(
            () => _client.RegisterAvroAsync(Subject, AvroSchemas.Invalid), HttpStatusCode.UnprocessableEntity, 42201);
    }

    [Fact]
    public async Task Basic_auth_is_sent_when_configured_and_refused_credentials_are_permanent()
    {
        const string userInfo = "api-key:s3cret-value";
        _registry.RequireBasicAuth(userInfo);
        using var authenticated = NewClient(o => o.BasicAuthUserInfo = userInfo);
        using var wrong = NewClient(o => o.BasicAuthUserInfo = "api-key:other-secret");

        var id = await authenticated.RegisterAvroAsync(Subject, AvroSchemas.OrderV1);
        var anonymous = await AssertPermanent<SchemaRegistryException>(() => _client.GetSchemaByIdAsync(id), HttpStatusCode.Unauthorized, 401);
        var refused = await AssertPermanent<SchemaRegistryException>(() => wrong.GetSchemaByIdAsync(id), HttpStatusCode.Unauthorized, 401);

        Assert.Contains("basicAuthUserInfo", anonymous.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bearer_token_is_sent_when_configured()
    {
        _registry.RequireBearerToken("t0ken");
        using var authenticated = NewClient(o => o.BearerAuthToken = "t0ken");

        var id = await authenticated.RegisterAvroAsync(Subject, AvroSchemas.OrderV1);
        await AssertPermanent<SchemaRegistryException>(() => _client.GetSchemaByIdAsync(id), HttpStatusCode.Unauthorized, 401);
    }

    [Fact]
    public async Task With_several_urls_a_dead_one_is_skipped()
    {
        using var dead = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        dead.Start();
        var deadUrl = $"http://127.0.0.1:{((IPEndPoint)dead.LocalEndpoint).Port}";
        dead.Stop(); // nothing listens there any more: connection refused
        using var client = NewClient(o => o.Url = $"{deadUrl}, {_registry.Url}");

        var id = await client.RegisterAvroAsync(Subject, AvroSchemas.OrderV1);

        Assert.Equal(AvroSchemas.OrderV1, (await client.GetSchemaByIdAsync(id)).SchemaString);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, null, 503)]
    [InlineData(HttpStatusCode.InternalServerError, 50001, 50001)]
    [InlineData(HttpStatusCode.TooManyRequests, 42901, 42901)]
    public async Task Server_errors_and_rate_limits_are_unavailable_not_permanent(HttpStatusCode status, int? bodyCode, int errorCode)
    {
        _registry.FailWith(status, bodyCode);

        var error = await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => _client.GetSchemaByIdAsync(1));

        Assert.Equal((status, errorCode, true), (error.HttpStatus, error.ErrorCode, error.IsTransient));
    }

    [Fact]
    public async Task One_call_is_one_request_however_the_registry_fails()
    {
        _registry.FailWith(HttpStatusCode.ServiceUnavailable);
        var stopwatch = Stopwatch.StartNew();

        await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => _client.GetSchemaByIdAsync(1));

        // The pipeline's DependencyRetry is the only retry layer; the client neither repeats nor sleeps.
        Assert.Equal(1, _registry.RequestCount("GET /schemas/ids/1"));
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Connection_refused_is_unavailable_and_the_client_recovers_after_a_restart()
    {
        using var fresh = NewClient(); // nothing cached: the call below must reach the registry
        var id = await _client.RegisterAvroAsync(Subject, AvroSchemas.OrderV1);
        await _registry.StopAsync();

        var error = await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => fresh.GetSchemaByIdAsync(id));
        await _registry.RestartAsync();
        var schema = await fresh.GetSchemaByIdAsync(id);

        Assert.Null(error.HttpStatus);
        Assert.IsType<HttpRequestException>(error.InnerException);
        Assert.Contains($"127.0.0.1:{_registry.Port}", error.Message, StringComparison.Ordinal);
        Assert.Equal(AvroSchemas.OrderV1, schema.SchemaString);
    }

    [Fact]
    public async Task A_slow_registry_times_out_as_unavailable_after_the_request_timeout()
    {
        using var client = NewClient(o => o.RequestTimeout = TimeSpan.FromMilliseconds(200));
        _registry.Slow(TimeSpan.FromSeconds(10));
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => client.GetSchemaByIdAsync(1));

        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(5));
        Assert.Contains("requestTimeout", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_a_cancellation_not_an_outage()
    {
        _registry.Slow(TimeSpan.FromSeconds(10));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.GetSchemaByIdAsync(1, cancel.Token));
    }

    private ISchemaRegistryClient NewClient(Action<SchemaRegistryOptions>? configure = null)
    {
        var options = new SchemaRegistryOptions { Url = _registry.Url };
        configure?.Invoke(options);
        return SchemaRegistryClients.Create(options);
    }

    private static (string, int, int, string, SchemaType) Describe(RegisteredSchema schema) =>
        (schema.Subject, schema.Id, schema.Version, schema.SchemaString, schema.SchemaType);

    private static async Task<TException> AssertPermanent<TException>(Func<Task> call, HttpStatusCode status, int errorCode)
        where TException : SchemaRegistryException
    {
        var error = await Assert.ThrowsAsync<TException>(call);
        Assert.Equal((status, errorCode, false), (error.HttpStatus, error.ErrorCode, error.IsTransient));
        return error;
    }
}
