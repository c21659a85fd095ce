using System.CommandLine;
using StreamHeal.CompatFilter;
using StreamHeal.Decode;
using StreamHeal.Tables;
using StreamHeal.UseCases;
using StreamHeal.Records;

namespace StreamHeal.Host.Commands;

/// <summary>
/// <c>streamheal schema check</c>: what decode, flatten and compat-filter would make of one sample event, writing
/// nothing. Exit 0 when the event would be written (quarantined fields included), 1 when it would be dead-lettered,
/// 2 for usage errors.
/// </summary>
internal static class SchemaCommand
{
    public const int DeadLetteredExitCode = 1;
    public const int UsageErrorExitCode = 2;

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The event: one JSON object, as the Kafka value would carry it." };
        var tableColumns = new Option<string?>("--table-columns")
        {
            Description = "JSON file listing the table's existing columns, [{\"name\":\"x\",\"type\":\"Int64\"}]; default: an empty table.",
        };
        var numberInference = new Option<NumberInference>("--number-inference")
        {
            Description = "How new number columns are typed: exact (integers make INT64) or float (every number makes FLOAT64).",
            DefaultValueFactory = _ => NumberInference.Exact,
        };
        var fieldTypes = new Option<string[]>("--field-type") { Description = "Column type override for a new column, as NAME=TYPE (e.g. created_at=Timestamp). Repeatable." };
        var json = new Option<bool>("--json") { Description = "Print the report as one JSON object." };
        var check = new Command("check", "Show what the pipeline would do to a sample event: kept columns and their types, quarantined fields, or the DLQ reason.")
        {
            file, tableColumns, numberInference, fieldTypes, json,
        };
        check.SetAction((parse, ct) => CheckAsync(
            parse.GetValue(file)!, parse.GetValue(tableColumns), parse.GetValue(numberInference), parse.GetValue(fieldTypes) ?? [], parse.GetValue(json), ct));
        return new Command("schema", "Schema tools: check a sample event, show a table's schema state. They write nothing.") { check, SchemaShowCommand.Create() };
    }

    private static async Task<int> CheckAsync(
        string file, string? tableColumns, NumberInference numberInference, string[] fieldTypes, bool json, CancellationToken cancellationToken)
    {
        var options = new CompatFilterOptions { NumberInference = numberInference };
        foreach (var spec in fieldTypes)
        {
            if (!TryParseFieldType(spec, out var name, out var type))
            {
                return await UsageErrorAsync($"--field-type '{spec}' is not NAME=TYPE with a type of {string.Join(", ", Enum.GetNames<ColumnType>())}.");
            }

            options.FieldTypes[name] = type;
        }

        if (!File.Exists(file))
        {
            return await UsageErrorAsync($"No event file at '{file}'.");
        }

        IReadOnlyList<TableColumn> existing = [];
        if (tableColumns is not null)
        {
            if (!File.Exists(tableColumns))
            {
                return await UsageErrorAsync($"--table-columns: no file at '{tableColumns}'.");
            }

            try
            {
                existing = SchemaCheck.ParseColumns(await File.ReadAllBytesAsync(tableColumns, cancellationToken));
            }
            catch (FormatException e)
            {
                return await UsageErrorAsync($"--table-columns '{tableColumns}': {e.Message}");
            }
        }

        var value = await File.ReadAllBytesAsync(file, cancellationToken);
        var result = new SchemaCheck(new DecodeOptions(), new FlattenOptions(), options).Check(value, existing);
        if (json)
        {
            await SchemaCheckReport.WriteJsonAsync(Console.OpenStandardOutput(), result, cancellationToken);
        }
        else
        {
            await Console.Out.WriteAsync(SchemaCheckReport.Text(result));
        }

        return result.Ingested ? 0 : DeadLetteredExitCode;
    }

    private static bool TryParseFieldType(string spec, out string name, out ColumnType type)
    {
        var equals = spec.IndexOf('=', StringComparison.Ordinal);
        name = equals > 0 ? spec[..equals].Trim() : "";
        var typeName = equals > 0 ? spec[(equals + 1)..].Trim() : "";
        type = default;
        return name.Length > 0 && ColumnTypeNames.TryParse(typeName, out type);
    }

    private static async Task<int> UsageErrorAsync(string message)
    {
        await Console.Error.WriteLineAsync(message);
        return UsageErrorExitCode;
    }
}
