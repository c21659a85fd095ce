using StreamHeal.TestSupport;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using StreamHeal.Dev.Kafka;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Pipeline;
using StreamHeal.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Host;

[Collection(KafkaCollection.Name)]
public sealed class RunCommandTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private static readonly string HostDll = HostExecutable.Dll;

    /// <summary>Runs <c>streamheal run</c> on a config file holding <paramref name="json"/>, and logs its stderr.</summary>
    private async Task<(int ExitCode, string Stdout, string Stderr)> RunWithConfigAsync(string json)
    {
        var config = Path.Combine(Path.GetTempPath(), $"streamheal-config-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, json);
        try
        {
            var result = await ChildProcess.RunAsync("dotnet", [HostDll, "run", "--config", config], "", TimeSpan.FromSeconds(60));
            output.WriteLine(result.Stderr);
            return result;
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task Bad_configuration_exits_2_naming_every_bad_setting_without_a_stack_trace()
    {
        var (exitCode, stdout, stderr) = await RunWithConfigAsync("""
        {
          "kafka": { "topics": [], "properties": { "enable.auto.commit": "true" } },
          "pipeline": { "inFlightBytes": 10 },
          "decode": { "maxDepth": 0 },
          "health": { "bindAddress": "pod-ip" },
          "watchdog": { "stallAfter": "00:00:05" }
        }
        """);
        Assert.Equal(2, exitCode);
        Assert.Contains("kafka.bootstrapServers is required", stderr, StringComparison.Ordinal);
        Assert.Contains("watchdog.stallAfter (00:00:05) is below watchdog.lagInterval (00:00:10)", stderr, StringComparison.Ordinal);
        Assert.Contains("health.bindAddress 'pod-ip' is not an IP address", stderr, StringComparison.Ordinal);
        Assert.Contains("InFlightBytes", stderr, StringComparison.Ordinal);
        Assert.Contains("MaxDepth", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bigquery_sink_without_project_dataset_or_a_known_delivery_mode_exits_2_naming_each_setting()
    {
        var (exitCode, stdout, stderr) = await RunWithConfigAsync("""
        {
          "kafka": { "bootstrapServers": "127.0.0.1:1", "topics": ["t"] },
          "sink": { "type": "bigquery", "bigquery": { "delivery": "twice", "auth": "file", "credentialsFile": "/nonexistent/key.json", "batchesInFlightPerTable": 0 } }
        }
        """);
        Assert.Equal(2, exitCode);
        Assert.Contains("sink.bigquery.projectId is required", stderr, StringComparison.Ordinal);
        Assert.Contains("sink.bigquery.dataset is required", stderr, StringComparison.Ordinal);
        Assert.Contains("sink.bigquery.delivery 'twice' is not supported", stderr, StringComparison.Ordinal);
        Assert.Contains("sink.bigquery.credentialsFile", stderr, StringComparison.Ordinal);
        Assert.Contains("BatchesInFlightPerTable", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"kafka\": { ", "is not valid JSON")]
    [InlineData("{ \"kafka\": { \"bootstrapServers\": \"127.0.0.1:1\", \"topics\": [\"t\"], \"properties\": { \"no.such.property\": \"1\" } } }", "[kafka.properties]")]
    [InlineData("{ \"kafka\": { \"bootstrapServers\": \"127.0.0.1:1\", \"topics\": [\"t\"] }, \"dlq\": { \"topicTemplate\": \"{topic}\" } }", "[dlq.topicTemplate] '{topic}' makes 't' the DLQ topic of 't', and kafka.topics reads it")]
    public async Task Malformed_files_unknown_kafka_properties_and_a_dlq_that_is_its_own_source_exit_2(string json, string expected)
    {
        var (exitCode, stdout, stderr) = await RunWithConfigAsync(json);
        Assert.Equal(2, exitCode);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Locked_commit_settings_and_missing_topics_are_refused()
    {
        var (exitCode, _, stderr) = await RunWithConfigAsync("""
        { "kafka": { "bootstrapServers": "127.0.0.1:1", "topics": [], "properties": { "enable.auto.offset.store": "true" } } }
        """);
        Assert.Equal(2, exitCode);
        Assert.Contains("kafka.topics must list at least one topic", stderr, StringComparison.Ordinal);
        Assert.Contains("kafka.properties.enable.auto.offset.store cannot be set", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dlq_topic_that_refuses_writes_stops_the_service_naming_it()
    {
        await using var scenario = new PipelineScenario(kafka, output, "dlq-refused", partitions: 1);
        var config = await WriteConfigAsync(scenario, healthPort: 0);
        kafka.Cluster.PushRequestErrors(KafkaApiKey.Produce, Enumerable.Repeat(Confluent.Kafka.ErrorCode.TopicAuthorizationFailed, 20).ToArray());
        try
        {
            var (exitCode, stdout, stderr) = await ChildProcess.RunAsync("dotnet", [HostDll, "run", "--config", config], "", TimeSpan.FromSeconds(90));
            output.WriteLine(stdout + stderr);
            Assert.Equal(1, exitCode);
            Assert.Contains($"DLQ topic '{scenario.Topic}.dlq' does not accept writes", stdout + stderr, StringComparison.Ordinal);
        }
        finally
        {
            kafka.Cluster.ClearRequestErrors(KafkaApiKey.Produce);
        }
    }

    [Fact]
    public async Task Unreachable_brokers_are_named_while_start_up_waits_then_the_service_stops_with_exit_1()
    {
        var nobody = $"127.0.0.1:{FreePort()}";
        var (exitCode, stdout, stderr) = await RunWithConfigAsync($$"""
            {
              "kafka": { "bootstrapServers": "{{nobody}}", "groupId": "g", "topics": ["events"] },
              "sink": { "duckdb": { "path": "{{Path.Combine(Path.GetTempPath(), $"unreachable-{Guid.NewGuid():N}.duckdb")}}" } },
              "dlq": { "startupCheckTimeout": "00:00:08" },
              "health": { "port": 0 }
            }
            """);
        output.WriteLine(stdout);
        Assert.Equal(1, exitCode);
        Assert.Contains("Start-up is waiting for DLQ topic events.dlq to acknowledge its probe", stdout + stderr, StringComparison.Ordinal);
        Assert.Contains("DLQ topic 'events.dlq' does not accept writes", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_reports_health_and_status_and_stops_cleanly_on_sigterm()
    {
        await using var scenario = new PipelineScenario(kafka, output, "health", partitions: 2);
        var produced = await scenario.ProduceAsync(3_000, seed: 41);
        var port = FreePort();
        // As in a container: every interface, probed with the pod's name in the Host header.
        var config = await WriteConfigAsync(scenario, port, bindAddress: "0.0.0.0");
        await using var child = ChildProcess.Start("dotnet", HostDll, "run", "--config", config);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Host = $"streamheal-pod:{port}";

        await Eventually.Until(
            async () =>
            {
                try
                {
                    return (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "/health/ready answering 200");
        await scenario.WaitForCommittedEndAsync(TimeSpan.FromSeconds(60));

        var live = await http.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var ready = JsonDocument.Parse(await http.GetStringAsync(new Uri("/health/ready", UriKind.Relative)));
        Assert.True(ready.RootElement.GetProperty("running").GetBoolean());
        Assert.True(ready.RootElement.GetProperty("sink_reconciled").GetBoolean());
        Assert.True(ready.RootElement.GetProperty("assigned").GetBoolean());
        Assert.Equal("running", ready.RootElement.GetProperty("poll_loop").GetString());
        Assert.False(ready.RootElement.GetProperty("degraded").GetBoolean());
        Assert.Equal(produced.Length, ready.RootElement.GetProperty("sunk").GetInt64() + ready.RootElement.GetProperty("dead_lettered").GetInt64());
        // The same listener serves the Prometheus scrape, with the pipeline's and the runtime's metrics.
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains($"streamheal_rows_written_total{{otel_scope_name=\"StreamHeal\",sink=\"duckdb\",table=\"{scenario.Table}\"}} {ready.RootElement.GetProperty("sunk").GetInt64()}", metrics, StringComparison.Ordinal);
        Assert.Contains("streamheal_build_info{", metrics, StringComparison.Ordinal);
        Assert.Contains("dotnet_process_memory_working_set_bytes", metrics, StringComparison.Ordinal);
        await Eventually.Until(() => child.StandardOutput.Contains("status:", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "a status line");
        Assert.Contains("Health endpoint listening on http://0.0.0.0:", child.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("DEGRADED", child.StandardOutput, StringComparison.Ordinal);

        child.Terminate();
        Assert.Equal(0, await child.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        PipelineScenario.AssertOk(await scenario.VerifyAsync(produced));
    }

    private static async Task<string> WriteConfigAsync(PipelineScenario scenario, int healthPort, string bindAddress = "127.0.0.1")
    {
        var config = Path.Combine(scenario.Directory, "streamheal.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "kafka": { "bootstrapServers": "{{scenario.BootstrapServers}}", "groupId": "{{scenario.Group}}", "topics": ["{{scenario.Topic}}"], "sessionTimeoutMs": 6000 },
              "sink": { "duckdb": { "path": "{{scenario.DatabasePath}}" } },
              "decode": { "maxPayloadBytes": 65536 },
              "dlq": { "startupCheckTimeout": "00:00:10" },
              "health": { "port": {{healthPort}}, "bindAddress": "{{bindAddress}}", "statusIntervalSeconds": 1 }
            }
            """);
        return config;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
