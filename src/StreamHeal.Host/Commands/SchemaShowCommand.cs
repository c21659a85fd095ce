using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using StreamHeal.SchemaRegistry;
using StreamHeal.SchemaState;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Tables;

namespace StreamHeal.Host.Commands;

/// <summary>
/// <c>streamheal schema show &lt;table&gt;</c>: the table's columns with their types and the registry version that added
/// each, then how many values were quarantined per field and reason (read from the DuckDB table's <c>_quarantine</c>).
/// Reads the same configuration as <c>run</c>; writes nothing.
/// </summary>
internal static class SchemaShowCommand
{
    public static Command Create()
    {
        var table = new Argument<string>("table") { Description = "The destination table (the topic name with other characters than letters, digits and _ replaced)." };
        var config = new Option<FileInfo?>("--config") { Description = "The settings file `run` uses (schemaRegistry, schemaState, sink.duckdb)." };
        var show = new Command("show", "Print a table's columns, types and registry versions, and its quarantine counts per field and reason.") { table, config };
        show.SetAction((parse, ct) => ShowAsync(parse.GetValue(table)!, parse.GetValue(config), ct));
        return show;
    }

    private static async Task<int> ShowAsync(string table, FileInfo? config, CancellationToken cancellationToken)
    {
        if (await CommandSettings.LoadAsync(config) is not { } settings)
        {
            return 2;
        }

        var registry = settings.GetSection("schemaRegistry").Get<SchemaRegistryOptions>();
        var state = settings.GetSection(SchemaStateOptions.SectionName).Get<SchemaStateOptions>() ?? new SchemaStateOptions();
        var duckDb = settings.GetSection("sink:duckdb").Get<DuckDbSinkOptions>() ?? new DuckDbSinkOptions();

        if (registry is { Url.Length: > 0 })
        {
            await PrintRegistryColumnsAsync(table, registry, state, cancellationToken);
        }

        if (!File.Exists(duckDb.Path))
        {
            Console.WriteLine($"No DuckDB file at '{duckDb.Path}' (sink.duckdb.path): no table columns or quarantine counts to show.");
            return 0;
        }

        try
        {
            using var reader = new DuckDbTableReader(duckDb.Path);
            Console.WriteLine($"table {table} in {duckDb.Path}: {reader.CountRows(table).ToString(CultureInfo.InvariantCulture)} rows");
            foreach (var (name, type) in reader.ReadColumns(table))
            {
                Console.WriteLine($"  {name,-40} {type}");
            }

            PrintQuarantineCounts(reader.ReadQuarantine(table, int.MaxValue));
        }
        catch (Exception e) when (e is DuckDB.NET.Data.DuckDBException or InvalidOperationException or IOException)
        {
            Console.WriteLine($"The DuckDB file '{duckDb.Path}' cannot be read now ({e.Message}); a running service holds it.");
        }

        return 0;
    }

    private static async Task PrintRegistryColumnsAsync(string table, SchemaRegistryOptions options, SchemaStateOptions state, CancellationToken cancellationToken)
    {
        var subject = state.SubjectFor(table);
        using var client = SchemaRegistryClients.Create(options);
        try
        {
            var versions = await client.GetVersionsAsync(subject, cancellationToken);
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            Console.WriteLine($"schema state {subject}: {versions.Count} versions");
            foreach (var version in versions)
            {
                var registered = await client.GetVersionAsync(subject, version, cancellationToken);
                foreach (var column in StateSchemaAvro.FromAvro(registered.SchemaString))
                {
                    if (seen.Add(column.Name))
                    {
                        Console.WriteLine($"  {column.Name,-40} {ColumnTypeNames.SqlName(column.Type),-11} since version {version}");
                    }
                }
            }
        }
        catch (SubjectNotFoundException)
        {
            Console.WriteLine($"schema state {subject}: not registered yet");
        }
        catch (SchemaRegistryUnavailableException e)
        {
            var local = await new SchemaStateFile(state.Directory).LoadAsync(table, cancellationToken);
            Console.WriteLine($"schema registry unavailable ({e.Message}); local copy in {state.Directory}: {(local is null ? "none" : local.Count + " columns")}");
            foreach (var column in local ?? [])
            {
                Console.WriteLine($"  {column.Name,-40} {ColumnTypeNames.SqlName(column.Type)}");
            }
        }
    }

    private static void PrintQuarantineCounts(IReadOnlyList<string> quarantines)
    {
        var counts = new SortedDictionary<(string Field, string Reason), long>();
        foreach (var json in quarantines)
        {
            using var document = JsonDocument.Parse(json);
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                var key = (entry.GetProperty("name").GetString() ?? "", entry.GetProperty("reason").GetString() ?? "");
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }

        Console.WriteLine(counts.Count == 0 ? "quarantine: empty" : "quarantine (field, reason: values):");
        foreach (var ((field, reason), count) in counts)
        {
            Console.WriteLine($"  {field}, {reason}: {count.ToString(CultureInfo.InvariantCulture)}");
        }
    }
}
