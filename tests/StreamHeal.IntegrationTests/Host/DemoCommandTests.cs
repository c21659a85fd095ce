using System.Text.Json;
using StreamHeal.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Host;

// The demo starts its own embedded cluster; it shares the collection only so it never runs beside Kafka tests.
[Collection(Kafka.KafkaCollection.Name)]
public sealed class DemoCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_demo_accounts_for_every_event_from_the_table_and_the_dlq_and_prints_json_last()
    {
        var directory = Directory.CreateTempSubdirectory("streamheal-demo-").FullName;
        try
        {
            var db = Path.Combine(directory, "demo.duckdb");
            var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(
                "dotnet",
                [Path.Combine(AppContext.BaseDirectory, "streamheal.dll"), "demo", "--events", "60000", "--partitions", "16", "--db", db, "--json"],
                "",
                TimeSpan.FromMinutes(3));
            output.WriteLine(stdout);
            output.WriteLine(stderr);
            Assert.Equal(0, exitCode);
            Assert.Contains("progress:", stdout, StringComparison.Ordinal);

            using var summary = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]);
            var root = summary.RootElement;
            Assert.Equal(60_000, root.GetProperty("produced").GetInt64());
            Assert.Equal(60_000, root.GetProperty("sunk").GetInt64() + root.GetProperty("dead_lettered").GetInt64());
            Assert.InRange(root.GetProperty("dead_lettered").GetInt64(), 100, 600);
            Assert.Equal(0, root.GetProperty("duplicates").GetInt64());
            Assert.Equal(0, root.GetProperty("missing").GetInt64());
            Assert.True(root.GetProperty("elapsed_s").GetDouble() > 0);
            Assert.True(root.GetProperty("events_per_s").GetDouble() > 0);
            Assert.True(File.Exists(db));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Too_few_partitions_for_the_embedded_retention_is_refused_up_front()
    {
        var (exitCode, _, stderr) = await ChildProcess.RunAsync(
            "dotnet", [Path.Combine(AppContext.BaseDirectory, "streamheal.dll"), "demo", "--events", "1000000", "--partitions", "4"], "", TimeSpan.FromMinutes(1));
        Assert.Equal(2, exitCode);
        Assert.Contains("too few", stderr, StringComparison.Ordinal);
    }
}
