using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using StreamHeal.Dev.Demo;
using StreamHeal.Dev.BigQuery;
using StreamHeal.Dev.Registry;
using StreamHeal.Hosting;
using StreamHeal.Sink.BigQuery;

namespace StreamHeal.Host.Commands;

/// <summary>
/// <c>streamheal demo</c>: the whole path on an embedded Kafka cluster into a DuckDB file (or through the production
/// BigQuery sink into an in-process fake BigQuery), with a verdict. JSON and Avro events share the topic; the Avro
/// writer schemas and the table's schema state live in an embedded registry.
/// </summary>
internal static class DemoCommand
{
    private const string DuckDb = "duckdb";
    private const string BigQueryFake = "bigquery-fake";

    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Events to produce (about 0.5% are poison; 10% go out as Avro, a hundredth of those poison).", DefaultValueFactory = _ => 1_000_000 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the demo topic.", DefaultValueFactory = _ => 64 };
        var db = new Option<string>("--db") { Description = "DuckDB file to write.", DefaultValueFactory = _ => "streamheal-demo.duckdb" };
        var seed = new Option<int>("--seed") { Description = "Generator seed.", DefaultValueFactory = _ => 42 };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object on the last line." };
        var sink = OneOf("--sink", "duckdb: a DuckDB file (--db). bigquery-fake: the production BigQuery sink against an in-process fake BigQuery.", DuckDb, BigQueryFake);
        var metricsPort = new Option<int>("--metrics-port") { Description = "Port of /metrics on 127.0.0.1 while the demo runs (any free port when taken; 0 turns it off).", DefaultValueFactory = _ => 8081 };
        var delivery = OneOf("--delivery", "BigQuery delivery with --sink bigquery-fake; ignored for duckdb.", BigQuerySinkOptions.ExactlyOnce, BigQuerySinkOptions.AtLeastOnce);
        var command = new Command("demo", "Produce synthetic events to an embedded Kafka cluster and ingest them into DuckDB or a fake BigQuery; exit 0 only if nothing was lost or duplicated.")
        {
            events, partitions, db, seed, json, sink, delivery, metricsPort,
        };
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(events), parse.GetValue(partitions), parse.GetValue(db)!, parse.GetValue(seed), parse.GetValue(json), parse.GetValue(sink)!, parse.GetValue(delivery)!, parse.GetValue(metricsPort), ct));
        return command;
    }

    private static async Task<int> RunAsync(int events, int partitions, string db, int seed, bool json, string sink, string delivery, int metricsPort, CancellationToken cancellationToken)
    {
        if (events < 1 || partitions < 1 || partitions > 1_000 || metricsPort is < 0 or > 65_535)
        {
            await Console.Error.WriteLineAsync("--events must be at least 1, --partitions between 1 and 1000 and --metrics-port between 0 and 65535.");
            return 2;
        }

        // The mock keeps at most 5 MiB per partition; stay well under it (lz4 roughly halves the demo's events).
        if ((long)events * 320 / 2 / partitions > 4L * 1024 * 1024)
        {
            await Console.Error.WriteLineAsync($"--partitions {partitions} is too few for {events} events: the embedded cluster keeps 5 MiB per partition. Use at least {(long)events * 320 / 2 / (4L * 1024 * 1024) + 1}.");
            return 2;
        }

        using var loggerFactory = LoggerFactory.Create(static b => b.AddSimpleConsole(static o => o.SingleLine = true).SetMinimumLevel(Enum.Parse<LogLevel>(Environment.GetEnvironmentVariable("STREAMHEAL_DEMO_LOGLEVEL") ?? "Error")));
        await using var metrics = await StartMetricsAsync(metricsPort, loggerFactory, cancellationToken);
        await using var registry = await EmbeddedSchemaRegistry.StartAsync();
        await using var bigQuery = sink == BigQueryFake ? await FakeBigQueryDemoDestination.StartAsync(delivery, loggerFactory) : null;
        if (bigQuery is null)
        {
            DeleteDatabase(db);
        }

        var runner = new DemoRunner(events, partitions, bigQuery ?? (IDemoDestination)new DuckDbDemoDestination(db), seed, registry.Url, loggerFactory);
        DemoSummary summary;
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            summary = await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("ingesting", maxValue: events);
                    return await runner.RunAsync(new Progress<DemoProgress>(p =>
                    {
                        task.Value = p.Done;
                        task.Description = string.Create(CultureInfo.InvariantCulture, $"produced {p.Produced:N0} sunk {p.Sunk:N0} dlq {p.DeadLettered:N0} lag {p.Lag:N0} {p.EventsPerSecond:N0}/s");
                    }), cancellationToken);
                });
        }
        else
        {
            var last = DateTime.MinValue;
            summary = await runner.RunAsync(new SynchronousProgress(p =>
            {
                if (DateTime.UtcNow - last < TimeSpan.FromSeconds(2))
                {
                    return;
                }

                last = DateTime.UtcNow;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"progress: {p.Done}/{p.Target} done, produced {p.Produced}, sunk {p.Sunk}, dlq {p.DeadLettered}, lag {p.Lag}, {p.EventsPerSecond:0}/s"));
            }), cancellationToken);
        }

        var v = summary.Verdict;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"produced {v.Produced}, sunk {v.Sunk}, dead-lettered {v.DeadLettered}, duplicates {v.Duplicates}, missing {v.Missing}, elapsed {summary.Elapsed.TotalSeconds:0.0} s, {summary.EventsPerSecond:0} events/s → {(summary.Ok ? "OK" : "FAILED")}"));
        var schema = summary.Schema;
        Console.WriteLine($"schema: {schema.ColumnsAdded} columns added, {schema.CollisionsQuarantined} case collisions and {schema.FlipsQuarantined} type flips quarantined (rows kept, fields in _quarantine)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"avro: {summary.AvroEvents} events in the Confluent wire format (writer schemas {AvroEvents.Subject} v1 and v2 in the embedded registry); dead letters by type: {string.Join(", ", summary.DeadLetterTypes.OrderBy(static t => t.Key, StringComparer.Ordinal).Select(static t => $"{t.Key} {t.Value}"))}"));
        Console.WriteLine($"schema state: {summary.SchemaStateVersions} version(s) of {summary.SchemaStateSubject} in the registry");
        foreach (var problem in summary.RetentionProblems)
        {
            Console.WriteLine(problem);
        }

        var stats = bigQuery?.Stats is { } s ? new DemoSinkStatsJson(s.Appends, s.Throttles, s.Reconnects) : null;
        if (bigQuery is null)
        {
            Console.WriteLine($"sink: {summary.Sink}; table '{DemoRunner.Topic}' in {db}");
        }
        else
        {
            Console.WriteLine($"sink: {summary.Sink} ({bigQuery.Delivery}) against the in-process fake BigQuery: {stats?.Appends} appends, {stats?.Throttles} throttles, {stats?.Reconnects} reconnects");
            Console.WriteLine($"table '{DemoRunner.Topic}' was {bigQuery.TablePath(Tables.TableNames.ForTopic(DemoRunner.Topic))} in the fake's memory (gone when the demo exits)");
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new DemoJson(v.Produced, v.Sunk, v.DeadLettered, v.Duplicates, v.Missing, Math.Round(summary.Elapsed.TotalSeconds, 3), Math.Round(summary.EventsPerSecond, 1),
                schema.ColumnsAdded, schema.CollisionsQuarantined, schema.FlipsQuarantined, summary.AvroEvents,
                new SortedDictionary<string, long>(summary.DeadLetterTypes.ToDictionary(), StringComparer.Ordinal), summary.SchemaStateVersions,
                summary.Sink, bigQuery?.Delivery, stats), DemoJsonContext.Default.DemoJson));
        }

        return summary.Ok ? 0 : 1;
    }

    /// <summary>
    /// <c>/metrics</c> for the demo's pipeline while it runs, on 127.0.0.1: the requested port, or any free one when it
    /// is taken (a <c>streamheal run</c> on the default 8081); the URL is printed either way.
    /// </summary>
    private static async Task<HealthEndpoint?> StartMetricsAsync(int port, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        if (port == 0)
        {
            return null;
        }

        var options = new HealthOptions { Port = port };
        HealthEndpoint endpoint;
        try
        {
            endpoint = await HealthEndpoint.StartAsync(options, status: null, loggerFactory, cancellationToken: cancellationToken);
        }
        catch (InvalidOperationException)
        {
            endpoint = await HealthEndpoint.StartAsync(options, status: null, loggerFactory, port: 0, cancellationToken: cancellationToken);
        }

        Console.WriteLine($"metrics: http://{endpoint.EndPoint}{HealthEndpoint.MetricsPath}");
        return endpoint;
    }

    /// <summary>An option taking one of <paramref name="values"/>, the first by default.</summary>
    private static Option<string> OneOf(string name, string description, params string[] values)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => values[0], HelpName = string.Join('|', values) };
        option.CompletionSources.Add(values);
        // AcceptOnlyFromAmong's message does not name the option; this one does, and parse errors exit 2.
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!values.Contains(value, StringComparer.Ordinal))
            {
                result.AddError($"{name} '{value}' is not supported; use {string.Join(" or ", values.Select(static v => $"'{v}'"))}.");
            }
        });
        return option;
    }

    private static void DeleteDatabase(string db)
    {
        File.Delete(db);
        File.Delete(db + ".wal");
    }

    private sealed class SynchronousProgress(Action<DemoProgress> report) : IProgress<DemoProgress>
    {
        public void Report(DemoProgress value) => report(value);
    }
}
