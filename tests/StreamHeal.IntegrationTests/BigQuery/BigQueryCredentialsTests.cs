using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using StreamHeal.Dev.BigQuery;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.BigQuery.Auth;
using StreamHeal.Sink.BigQuery.Tables;
using Xunit;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>Tokens from <c>sink.bigquery.auth</c>, fetched from a local token endpoint with a key made here.</summary>
public sealed class BigQueryCredentialsTests : IAsyncLifetime, IDisposable
{
    private const string ClientEmail = "streamheal@fake.iam.gserviceaccount.com";

    private readonly RSA _key = RSA.Create(2048);
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"streamheal-sa-{Guid.NewGuid():N}.json");
    private FakeBigQuery _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeBigQuery.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    public void Dispose()
    {
        _key.Dispose();
        File.Delete(_keyFile);
    }

    [Fact]
    public async Task None_gives_no_provider_and_calls_go_without_authorization()
    {
        var options = Options("none");

        var provider = await BigQueryCredentials.CreateTokenProviderAsync(options, CancellationToken.None);
        using var client = new BigQueryTableClient(options, provider);
        await new BigQueryTableManager(client, options).EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None);

        Assert.Null(provider);
        Assert.NotEmpty(_fake.Calls.RestRequests);
        Assert.Empty(_fake.Calls.RestAuthorizations);
    }

    [Fact]
    public async Task A_service_account_file_yields_bearer_tokens_signed_for_the_bigquery_scope_and_cached()
    {
        await using var tokens = await FakeTokenEndpoint.StartAsync(("token-1", 3600));
        WriteKeyFile(tokens.TokenUri);
        var options = Options("file");

        var provider = await BigQueryCredentials.CreateTokenProviderAsync(options, CancellationToken.None);
        using var tables = new BigQueryTableClient(options, provider);
        await new BigQueryTableManager(tables, options).EnsureColumnsAsync("orders", BigQueryTestRows.Columns, CancellationToken.None);
        using var writer = new BigQueryWriteClient(new BigQueryWriteOptions { Endpoint = _fake.WriteEndpoint }, provider);
        await writer.CreateCommittedStreamAsync(options.TablePath("orders"), CancellationToken.None);

        Assert.Equal(["Bearer token-1", "Bearer token-1"], _fake.Calls.RestAuthorizations);
        Assert.Equal(["Bearer token-1"], _fake.Calls.Authorizations);
        var assertion = Assert.Single(tokens.Assertions);
        var claims = VerifiedClaims(assertion);
        Assert.Equal(ClientEmail, (string?)claims["iss"]);
        // The library posts to the key's token_uri but keeps Google's token endpoint as the audience, which Google expects.
        Assert.Equal("https://oauth2.googleapis.com/token", (string?)claims["aud"]);
        Assert.Equal(BigQueryCredentials.Scope, (string?)claims["scope"]);
    }

    [Fact]
    public async Task A_token_near_expiry_is_replaced_before_it_is_handed_out()
    {
        // One minute left is inside the library's refresh window (minutes before expiry), so it must fetch again.
        await using var tokens = await FakeTokenEndpoint.StartAsync(("token-1", 60), ("token-2", 3600));
        WriteKeyFile(tokens.TokenUri);

        var provider = (await BigQueryCredentials.CreateTokenProviderAsync(Options("file"), CancellationToken.None))!;
        var first = await provider(CancellationToken.None);
        var second = await provider(CancellationToken.None);
        var third = await provider(CancellationToken.None);

        Assert.Equal("token-1", first);
        Assert.Equal("token-2", second);
        Assert.Equal("token-2", third);
        Assert.Equal(2, tokens.Assertions.Count);
    }

    [Fact]
    public async Task Application_default_credentials_come_from_the_environment_variable()
    {
        await using var tokens = await FakeTokenEndpoint.StartAsync(("token-adc", 3600));
        WriteKeyFile(tokens.TokenUri);
        var previous = Environment.GetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS");
        Environment.SetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS", _keyFile);
        try
        {
            var provider = (await BigQueryCredentials.CreateTokenProviderAsync(Options("adc"), CancellationToken.None))!;

            Assert.Equal("token-adc", await provider(CancellationToken.None));
        }
        finally
        {
            Environment.SetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS", previous);
        }
    }

    [Fact]
    public async Task No_token_endpoint_is_unavailable_not_fatal()
    {
        await using (var gone = await FakeTokenEndpoint.StartAsync(("unused", 3600)))
        {
            WriteKeyFile(gone.TokenUri);
        }

        var provider = (await BigQueryCredentials.CreateTokenProviderAsync(Options("file"), CancellationToken.None))!;
        var error = await Assert.ThrowsAsync<SinkUnavailableException>(async () => await provider(CancellationToken.None));

        Assert.Contains("token endpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_key_file_names_the_setting()
    {
        await File.WriteAllTextAsync(_keyFile, """{"type":"authorized_user","client_id":"x","client_secret":"y","refresh_token":"z"}""");

        var wrongType = await Assert.ThrowsAsync<InvalidOperationException>(() => BigQueryCredentials.CreateTokenProviderAsync(Options("file"), CancellationToken.None));
        var unset = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            BigQueryCredentials.CreateTokenProviderAsync(new BigQuerySinkOptions { Auth = "file" }, CancellationToken.None));

        Assert.Contains("credentialsFile", wrongType.Message, StringComparison.Ordinal);
        Assert.Contains("credentialsFile", unset.Message, StringComparison.Ordinal);
    }

    private BigQuerySinkOptions Options(string auth) => new()
    {
        ProjectId = "fake",
        Dataset = "streamheal",
        RestEndpoint = _fake.RestEndpoint,
        WriteEndpoint = _fake.WriteEndpoint,
        Auth = auth,
        CredentialsFile = _keyFile,
    };

    private void WriteKeyFile(Uri tokenUri)
    {
        var key = new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = "fake",
            ["private_key_id"] = "key-1",
            ["private_key"] = _key.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = ClientEmail,
            ["client_id"] = "1234567890",
            ["token_uri"] = tokenUri.ToString(),
        };
        File.WriteAllText(_keyFile, key.ToJsonString());
    }

    /// <summary>The JWT's claims, after checking its RS256 signature against the key this test made.</summary>
    private JsonNode VerifiedClaims(string jwt)
    {
        var parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        Assert.True(_key.VerifyData(signed, Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), "The assertion is not signed with the service account's key.");
        return JsonNode.Parse(Base64Url(parts[1]))!;
    }

    private static byte[] Base64Url(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}
