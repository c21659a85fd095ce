using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamHeal.Flow;
using StreamHeal.Kafka;
using StreamHeal.Tables;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using Xunit;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>
/// A BigQuery endpoint whose certificate is not trusted: refusing it is right, and the sink says why (the handshake's
/// own cause) and that it is a configuration problem, not an outage. The server is Kestrel on 127.0.0.1 with a
/// self-signed certificate made here.
/// </summary>
public sealed class BigQueryTlsTests
{
    [Fact]
    public async Task An_untrusted_certificate_is_named_as_a_chain_error_and_a_configuration_problem()
    {
        await using var server = await TlsServer.StartAsync(Certificate(name => name.AddIpAddress(IPAddress.Loopback)));
        var stats = new BigQuerySinkStats();

        var failure = await AppendAsync(server.Endpoint, stats);

        Assert.Contains("configuration problem, not an outage", failure.Message, StringComparison.Ordinal);
        Assert.Contains("certificate chain", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("see inner exception", failure.Message, StringComparison.Ordinal);
        Assert.Contains("CONFIGURATION PROBLEM (not an outage)", stats.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_for_another_name_is_named_as_a_name_mismatch()
    {
        await using var server = await TlsServer.StartAsync(Certificate(name => name.AddDnsName("bigquery.other.example")));
        var stats = new BigQuerySinkStats();

        var failure = await AppendAsync(server.Endpoint, stats);

        Assert.Contains("NameMismatch", failure.Message, StringComparison.Ordinal);
        Assert.Contains("configuration problem, not an outage", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_call_refused_by_tls_says_so_too()
    {
        await using var server = await TlsServer.StartAsync(Certificate(name => name.AddIpAddress(IPAddress.Loopback)));
        using var client = new BigQueryWriteClient(new BigQueryWriteOptions { Endpoint = new Uri(server.Endpoint) });
        var stats = new BigQuerySinkStats();

        var call = await Assert.ThrowsAsync<RpcException>(() => client.CreateCommittedStreamAsync("projects/p/datasets/d/tables/t", CancellationToken.None));
        var failure = BigQueryCallFailure.Transient("BigQuery call for table t failed", call, stats);

        Assert.True(SinkErrors.IsTransient(SinkErrors.Classify(call)), "refused for now, retried: the operator may be fixing the trust store");
        Assert.Contains("certificate chain", failure.Message, StringComparison.Ordinal);
        Assert.Equal(failure.Message.Contains("configuration problem", StringComparison.Ordinal), stats.ConfigurationProblem is not null);
    }

    [Fact]
    public async Task A_tables_call_refused_by_tls_is_named_and_shown_as_a_configuration_problem()
    {
        await using var server = await TlsServer.StartAsync(Certificate(name => name.AddIpAddress(IPAddress.Loopback)));
        var options = new BigQuerySinkOptions { ProjectId = "p", Dataset = "d", Auth = "none", WriteEndpoint = new Uri(server.Endpoint), RestEndpoint = new Uri(server.Endpoint) };
        await using var sink = await BigQuerySinkFactory.CreateAsync(
            options, new KafkaOptions { BootstrapServers = "127.0.0.1:1", GroupId = "g", Topics = ["t"] }, new TopicHolds(), TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
        Assert.Null(sink.Stats.ConfigurationProblem);

        var failure = await Assert.ThrowsAsync<SinkUnavailableException>(
            () => sink.EnsureTableAsync("t", [new TableColumn("id", ColumnType.Int64)], CancellationToken.None).AsTask());

        Assert.Contains("configuration problem, not an outage", failure.Message, StringComparison.Ordinal);
        Assert.Contains("certificate chain", failure.Message, StringComparison.Ordinal);
        Assert.Contains("sink.bigquery.restEndpoint", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("see inner exception", failure.Message, StringComparison.Ordinal);
        Assert.Contains("CONFIGURATION PROBLEM (not an outage)", sink.Stats.ToString(), StringComparison.Ordinal);
    }

    private static async Task<SinkUnavailableException> AppendAsync(string endpoint, BigQuerySinkStats stats)
    {
        using var client = new BigQueryWriteClient(new BigQueryWriteOptions { Endpoint = new Uri(endpoint) });
        await using var appender = new StreamAppender(client, "t", "projects/p/datasets/d/tables/t/streams/_default", BigQueryTestRows.Layout, new AdaptiveConcurrency(1), stats);
        using var batch = BigQueryTestRows.Encode(0, 1);
        return await Assert.ThrowsAsync<SinkUnavailableException>(() => appender.AppendAsync(BigQueryTestRows.Layout, batch.RowsOf(batch.Chunks[0]), 1, null, CancellationToken.None));
    }

    private static X509Certificate2 Certificate(Action<SubjectAlternativeNameBuilder> names)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=streamheal-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        names(san);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // Kestrel needs the private key in a form it can use on every platform: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    private sealed class TlsServer(WebApplication app, X509Certificate2 certificate) : IAsyncDisposable
    {
        public string Endpoint { get; private set; } = "";

        public static async Task<TlsServer> StartAsync(X509Certificate2 certificate)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Configuration.Sources.Clear();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }));
            var app = builder.Build();
            var server = new TlsServer(app, certificate);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            server.Endpoint = $"https://127.0.0.1:{new Uri(address).Port}";
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
            certificate.Dispose();
        }
    }
}
