using System.Globalization;
using System.Text.Json;
using StreamHeal.Dev.Demo;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Sink.DuckDb;
using Xunit;
using Xunit.Abstractions;
using StreamHeal.Tables;

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
                [HostExecutable.Dll, "demo", "--events", "60000", "--partitions", "16", "--db", db, "--json"],
                "",
                TimeSpan.FromMinutes(3));
            output.WriteLine(stdout);
            output.WriteLine(stderr);
            Assert.Equal(0, exitCode);
            Assert.Contains("progress:", stdout, StringComparison.Ordinal);
            Assert.Contains("metrics: http://127.0.0.1:", stdout, StringComparison.Ordinal);

            using var summary = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]);
            var root = summary.RootElement;
            Assert.Equal(60_000, root.GetProperty("produced").GetInt64());
            Assert.Equal(60_000, root.GetProperty("sunk").GetInt64() + root.GetProperty("dead_lettered").GetInt64());
            // About 0.5% JSON poison and 0.1% poison Avro.
            Assert.InRange(root.GetProperty("dead_lettered").GetInt64(), 150, 700);
            Assert.Equal(0, root.GetProperty("duplicates").GetInt64());
            Assert.Equal(0, root.GetProperty("missing").GetInt64());
            Assert.True(root.GetProperty("elapsed_s").GetDouble() > 0);
            Assert.True(root.GetProperty("events_per_s").GetDouble() > 0);
            // The generator puts collisions and flips into every run of this size, after a hazard-free start.
            Assert.InRange(root.GetProperty("columns_added").GetInt32(), 20, 40);
            Assert.InRange(root.GetProperty("collisions_quarantined").GetInt64(), 1, 3_000);
            Assert.InRange(root.GetProperty("flips_quarantined").GetInt64(), 1, 1_000);
            Assert.Contains("schema: ", stdout, StringComparison.Ordinal);

            // About a tenth goes out as Avro; its poison must reach the DLQ with its own error types.
            Assert.InRange(root.GetProperty("avro_events").GetInt64(), 4_000, 8_000);
            Assert.Contains("avro: ", stdout, StringComparison.Ordinal);
            var deadLetterTypes = root.GetProperty("dead_letter_types").EnumerateObject().ToDictionary(static p => p.Name, static p => p.Value.GetInt64());
            Assert.Contains("truncated_avro", deadLetterTypes.Keys);
            Assert.Contains("schema_not_found", deadLetterTypes.Keys);
            Assert.Contains("invalid_json", deadLetterTypes.Keys);
            Assert.Equal(root.GetProperty("dead_lettered").GetInt64(), deadLetterTypes.Values.Sum());
            // The table's schema state went to the registry as it gained columns.
            var versions = root.GetProperty("schema_state_versions").GetInt32();
            Assert.InRange(versions, 1, 40);
            // The human summary says the same: the subject and its number of versions (its wording is free).
            Assert.Contains(HumanLines(stdout), l => l.Contains("streamheal.events", StringComparison.Ordinal) && l.Contains(versions.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));

            using var reader = new DuckDbTableReader(db);
            var quarantine = reader.ReadQuarantine(TableNames.ForTopic("events"), limit: 10_000);
            Assert.NotEmpty(quarantine);
            var reasons = quarantine
                .SelectMany(static q => JsonDocument.Parse(q).RootElement.EnumerateArray().Select(static f => f.GetProperty("reason").GetString()).ToArray())
                .ToHashSet();
            Assert.Superset(new HashSet<string?> { "case_collision_in_event", "case_collision_with_table", "type_flip" }, reasons);

            // An Avro event fills the same columns as its JSON twin would, with nothing quarantined.
            var generator = new SyntheticEvents(seed: 42, avroShare: DemoRunner.AvroShare);
            var avroIndex = Enumerable.Range(0, 60_000).First(i => generator.AvroAt(i) == AvroForm.Valid);
            var eventId = string.Create(CultureInfo.InvariantCulture, $"{42:x}-{avroIndex:x}");
            var row = reader.ReadRows(TableNames.ForTopic("events")).Single(r => (string?)r["event_id"] == eventId);
            using var json = JsonDocument.Parse(generator.PlainEventAt(avroIndex, 60_000));
            var device = json.RootElement.GetProperty("device");
            Assert.Equal(device.GetProperty("platform").GetString(), row["device__platform"]);
            Assert.Equal(device.GetProperty("model").GetString(), row["device__model"]);
            Assert.Equal(device.GetProperty("screen").GetProperty("w").GetInt64(), Convert.ToInt64(row["device__screen__w"], CultureInfo.InvariantCulture));
            Assert.Equal(json.RootElement.GetProperty("session_seconds").GetDouble(), row["session_seconds"]);
            Assert.Null(row[ReservedColumns.Quarantine]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_demo_through_the_bigquery_sink_and_the_fake_loses_and_duplicates_nothing()
    {
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(
            "dotnet",
            [HostExecutable.Dll, "demo", "--sink", "bigquery-fake", "--events", "20000", "--partitions", "8", "--json"],
            "",
            TimeSpan.FromMinutes(1));
        output.WriteLine(stdout);
        output.WriteLine(stderr);
        Assert.Equal(0, exitCode);

        using var summary = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]);
        var root = summary.RootElement;
        Assert.Equal("bigquery", root.GetProperty("sink").GetString());
        Assert.Equal("exactly-once", root.GetProperty("delivery").GetString());
        Assert.Equal(20_000, root.GetProperty("produced").GetInt64());
        Assert.Equal(20_000, root.GetProperty("sunk").GetInt64() + root.GetProperty("dead_lettered").GetInt64());
        Assert.Equal(0, root.GetProperty("duplicates").GetInt64());
        Assert.Equal(0, root.GetProperty("missing").GetInt64());
        // The columns come from the fake's table schema, as the DuckDB run reads them from its table.
        Assert.InRange(root.GetProperty("columns_added").GetInt32(), 20, 40);
        var appends = root.GetProperty("sink_stats").GetProperty("appends").GetInt64();
        Assert.True(appends > 0);
        // The human summary names the sink and the fake's appends (its wording is free).
        Assert.Contains(HumanLines(stdout), l => l.Contains("bigquery", StringComparison.Ordinal) && l.Contains(appends.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }

    /// <summary>What the demo prints for people: everything before the JSON summary on the last line.</summary>
    private static string[] HumanLines(string stdout) => stdout.TrimEnd().Split('\n')[..^1];

    [Fact]
    public async Task An_unknown_sink_is_a_usage_error_that_names_the_choices()
    {
        var (exitCode, _, stderr) = await ChildProcess.RunAsync(
            "dotnet", [HostExecutable.Dll, "demo", "--sink", "bigquery"], "", TimeSpan.FromMinutes(1));
        Assert.Equal(2, exitCode);
        Assert.Contains("--sink 'bigquery' is not supported; use 'duckdb' or 'bigquery-fake'.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_few_partitions_for_the_embedded_retention_is_refused_up_front()
    {
        var (exitCode, _, stderr) = await ChildProcess.RunAsync(
            "dotnet", [HostExecutable.Dll, "demo", "--events", "1000000", "--partitions", "4"], "", TimeSpan.FromMinutes(1));
        Assert.Equal(2, exitCode);
        Assert.Contains("too few", stderr, StringComparison.Ordinal);
    }
}
