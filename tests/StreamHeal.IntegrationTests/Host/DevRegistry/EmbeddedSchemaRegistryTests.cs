using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using StreamHeal.Dev.Registry;
using StreamHeal.IntegrationTests.SchemaRegistry;
using Xunit;

namespace StreamHeal.IntegrationTests.Host.DevRegistry;

/// <summary>The embedded registry checked with a bare HttpClient, so its wire format is tested independently of our client.</summary>
public sealed class EmbeddedSchemaRegistryTests : IAsyncLifetime
{
    private EmbeddedSchemaRegistry _registry = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _registry = await EmbeddedSchemaRegistry.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _registry.DisposeAsync();
    }

    [Fact]
    public async Task Registering_the_same_schema_twice_returns_the_same_id_and_no_new_version()
    {
        var (status1, first) = await PostSchemaAsync("/subjects/orders-value/versions", AvroSchemas.OrderV1);
        var (status2, second) = await PostSchemaAsync("/subjects/orders-value/versions", AvroSchemas.OrderV1);
        var (_, versions) = await GetAsync("/subjects/orders-value/versions");
        var (_, subjects) = await GetAsync("/subjects");

        Assert.Equal((200, 200), (status1, status2));
        Assert.Equal("""["orders-value"]""", subjects.ToJsonString());
        Assert.Equal(first["id"]!.GetValue<int>(), second["id"]!.GetValue<int>());
        Assert.Equal("[1]", versions.ToJsonString());
    }

    [Fact]
    public async Task Changing_a_long_field_to_string_is_rejected_with_409()
    {
        await PostSchemaAsync("/subjects/orders-value/versions", AvroSchemas.OrderV1);

        var (status, body) = await PostSchemaAsync("/subjects/orders-value/versions", AvroSchemas.OrderAmountAsString);

        Assert.Equal(409, status);
        Assert.Equal(409, body["error_code"]!.GetValue<int>());
        Assert.Contains("amount", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AvroSchemas.OrderWithDefaultedNote, true)]
    [InlineData(AvroSchemas.OrderWithoutAmount, true)]
    [InlineData(AvroSchemas.OrderAmountAsDouble, true)]
    [InlineData(AvroSchemas.OrderWithRequiredCurrency, false)]
    [InlineData(AvroSchemas.OrderAmountAsString, false)]
    public async Task Backward_compatibility_follows_the_Avro_resolution_rules(string next, bool compatible)
    {
        await PostSchemaAsync("/subjects/orders-value/versions", AvroSchemas.OrderV1);

        var (checkStatus, check) = await PostSchemaAsync("/compatibility/subjects/orders-value/versions/latest?verbose=true", next);
        var (registerStatus, _) = await PostSchemaAsync("/subjects/orders-value/versions", next);

        Assert.Equal(200, checkStatus);
        Assert.Equal(compatible, check["is_compatible"]!.GetValue<bool>());
        Assert.Equal(compatible ? 200 : 409, registerStatus);
    }

    [Fact]
    public async Task Level_NONE_accepts_any_change()
    {
        await PostSchemaAsync("/subjects/orders-value/versions", AvroSchemas.OrderV1);
        await SendAsync(HttpMethod.Put, "/config/orders-value", """{"compatibility":"NONE"}""");

        var (status, _) = await PostSchemaAsync("/subjects/orders-value/versions", AvroSchemas.OrderAmountAsString);

        Assert.Equal(200, status);
    }

    [Theory]
    [InlineData("/schemas/ids/99", 40403)]
    [InlineData("/subjects/nobody/versions", 40401)]
    [InlineData("/subjects/nobody/versions/latest", 40401)]
    [InlineData("/subjects/orders-value/versions/7", 40402)]
    [InlineData("/subjects/orders-value/versions/zero", 42202)]
    [InlineData("/config/orders-value", 40408)]
    public async Task Lookups_of_what_does_not_exist_return_the_registry_error_codes(string path, int errorCode)
    {
        await PostSchemaAsync("/subjects/orders-value/versions", AvroSchemas.OrderV1);

        var (status, body) = await GetAsync(path);

        Assert.Equal(errorCode / 100, status);
        Assert.Equal(errorCode, body["error_code"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_invalid_schema_is_rejected_with_42201()
    {
        var (status, body) = await PostSchemaAsync("/subjects/orders-value/versions", AvroSchemas.Invalid);

        Assert.Equal(422, status);
        Assert.Equal(42201, body["error_code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Stop_refuses_connections_and_restart_serves_the_same_schemas_on_the_same_port()
    {
        var (_, registered) = await PostSchemaAsync("/subjects/orders-value/versions", AvroSchemas.OrderV1);
        var port = _registry.Port;

        await _registry.StopAsync();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync("/subjects"));
        await _registry.RestartAsync();
        var (status, schema) = await GetAsync($"/schemas/ids/{registered["id"]}");

        Assert.Equal(HttpRequestError.ConnectionError, refused.HttpRequestError);
        Assert.Equal(port, _registry.Port);
        Assert.Equal(200, status);
        Assert.Equal(AvroSchemas.OrderV1, schema["schema"]!.GetValue<string>());
    }

    [Fact]
    public async Task FailWith_answers_every_request_until_healed_and_requests_are_counted()
    {
        _registry.FailWith(HttpStatusCode.ServiceUnavailable);
        var (failed, _) = await SendRawAsync(HttpMethod.Get, "/subjects", null);
        _registry.Heal();
        var (healed, _) = await SendRawAsync(HttpMethod.Get, "/subjects", null);

        Assert.Equal((503, 200), (failed, healed));
        Assert.Equal(2, _registry.RequestCount("GET /subjects"));
    }

    private Task<(int, JsonNode)> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    private Task<(int, JsonNode)> PostSchemaAsync(string path, string schema) =>
        SendAsync(HttpMethod.Post, path, new JsonObject { ["schema"] = schema }.ToJsonString());

    private async Task<(int, JsonNode)> SendAsync(HttpMethod method, string path, string? json)
    {
        var (status, text) = await SendRawAsync(method, path, json);
        return (status, JsonNode.Parse(text)!);
    }

    private async Task<(int, string)> SendRawAsync(HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, _registry.Url + path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(EmbeddedSchemaRegistry.MediaType);
        }

        using var response = await _http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
