using StreamHeal.TestSupport;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Pipeline;
using StreamHeal.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Observability;

/// <summary><c>telemetry.otlpEndpoint</c>: <c>streamheal run</c> pushes the same meters to an OTLP/HTTP receiver.</summary>
[Collection(KafkaCollection.Name)]
public sealed class OtlpPushTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_service_pushes_its_metrics_over_OTLP_when_an_endpoint_is_configured()
    {
        var requests = new ConcurrentQueue<(string Path, string? ContentType, byte[] Body)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var receiver = builder.Build();
        receiver.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            requests.Enqueue((request.Path, request.ContentType, body.ToArray()));
            return Results.Ok();
        });
        await receiver.StartAsync();
        var receiverUrl = receiver.Urls.Single();

        await using var scenario = new PipelineScenario(kafka, output, "otlp", partitions: 2);
        var produced = await scenario.ProduceAsync(500, seed: 5);
        var config = Path.Combine(scenario.Directory, "streamheal.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "kafka": { "bootstrapServers": "{{scenario.BootstrapServers}}", "groupId": "{{scenario.Group}}", "topics": ["{{scenario.Topic}}"], "sessionTimeoutMs": 6000 },
              "sink": { "duckdb": { "path": "{{scenario.DatabasePath}}" } },
              "health": { "port": 0 },
              "telemetry": { "otlpEndpoint": "{{receiverUrl}}/v1/metrics", "otlpProtocol": "http/protobuf", "otlpIntervalSeconds": 1 }
            }
            """);
        await using var child = ChildProcess.Start("dotnet", HostExecutable.Dll, "run", "--config", config);

        // Metric names travel as plain strings inside the protobuf; wait for a push that counted every record.
        await scenario.WaitForCommittedEndAsync(s_timeout);
        await Eventually.Until(
            () => requests.Any(r => Contains(r.Body, "streamheal.rows.written") && Contains(r.Body, scenario.Table)),
            s_timeout,
            "an OTLP push with the pipeline's rows written");
        Assert.All(requests, r => Assert.Equal("application/x-protobuf", r.ContentType));
        Assert.Contains(requests, r => Contains(r.Body, "streamheal.messages.consumed") && Contains(r.Body, "dotnet.process.memory.working_set"));

        child.Terminate();
        Assert.Equal(0, await child.WaitForExitAsync(s_timeout));
        PipelineScenario.AssertOk(await scenario.VerifyAsync(produced));
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
