using System.Text.Json;
using StreamHeal.Sink.BigQuery.Protos;
using StreamHeal.Tables;

namespace StreamHeal.Sink.BigQuery.Tables;

/// <summary>
/// Keeps a table's columns a superset of what StreamHeal writes, safely against other replicas doing the same: new
/// columns go in with a PATCH conditional on the etag that was read, and a lost race (412) re-reads and tries again,
/// so no replica's columns are overwritten by another's.
/// </summary>
internal sealed class BigQueryTableManager(BigQueryTableClient client, BigQuerySinkOptions options) : IBigQueryTableSchemas
{
    /// <summary>Read-change-write rounds before giving up as unavailable; each lost round means another writer made progress.</summary>
    public const int MaxAttempts = 10;

    /// <summary>
    /// Makes sure <paramref name="table"/> exists with StreamHeal's own columns and <paramref name="userColumns"/>,
    /// creating it when <see cref="BigQuerySinkOptions.AutoCreateTables"/> allows and adding missing columns as NULLABLE.
    /// </summary>
    /// <returns>
    /// The table's user columns now (StreamHeal's own columns and columns of types StreamHeal does not write left out),
    /// and the names of every column this call added, StreamHeal's own included: all of them when it created the
    /// table, none when the table already had them. Added columns reach the Storage Write API only after a delay.
    /// </returns>
    /// <exception cref="SinkSchemaConflictException">An existing column has another type.</exception>
    /// <exception cref="BigQueryTableUnavailableException">The table is missing and may not be created, or permission is lacking.</exception>
    /// <exception cref="SinkUnavailableException">BigQuery is unreachable or busy; retry later.</exception>
    public async Task<TableColumns> EnsureColumnsAsync(string table, IReadOnlyList<TableColumn> userColumns, CancellationToken cancellationToken)
    {
        var wanted = WantedFields(userColumns);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = await client.GetAsync(table, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                if (!options.AutoCreateTables)
                {
                    throw new BigQueryTableUnavailableException(
                        $"BigQuery table {client.QualifiedName(table)} does not exist and sink.bigquery.autoCreateTables is false: create the table or set autoCreateTables to true.");
                }

                // Null: another writer created it between our get and insert; the next round reads theirs.
                if (await client.InsertAsync(table, [.. wanted.Select(field => field.Resource)], cancellationToken).ConfigureAwait(false) is { } created)
                {
                    // A table created with its columns shows them to write streams at once: nothing to wait for.
                    return new TableColumns(UserColumns(created), []);
                }

                continue;
            }

            var existing = current.Schema?.Fields ?? [];
            var missing = Missing(table, existing, wanted);
            if (missing.Count == 0)
            {
                return new TableColumns(UserColumns(current), []);
            }

            // Existing fields go back untouched: re-sending them as name, type and mode would drop a customer's
            // maxLength, policy tags or descriptions, and a RECORD without its nested fields is refused outright.
            BigQueryFieldResource[] added = [.. missing.Select(field => field.Resource with { Mode = BigQueryRestTypes.Nullable })];
            if (await client.PatchAsync(table, existing, added, current.Etag, cancellationToken).ConfigureAwait(false) is { } patched)
            {
                return new TableColumns(UserColumns(patched), [.. missing.Select(field => field.Column.Name)]);
            }
        }

        throw new SinkUnavailableException(
            $"BigQuery table {client.QualifiedName(table)} changed under StreamHeal {MaxAttempts} times in a row while adding columns (HTTP 412 each time); retrying later.");
    }

    private readonly record struct WantedField(TableColumn Column, BigQueryFieldResource Resource);

    /// <summary>StreamHeal's columns (REQUIRED where always set, as the row layout declares them) and the user columns.</summary>
    private static WantedField[] WantedFields(IReadOnlyList<TableColumn> userColumns)
    {
        var layout = new BigQueryRowLayout(userColumns);
        var schema = layout.ToTableSchema();
        var wanted = new WantedField[layout.Fields.Count];
        for (var i = 0; i < wanted.Length; i++)
        {
            var field = layout.Fields[i];
            var mode = schema.Fields[i].Mode == TableFieldSchema.Types.Mode.Required ? BigQueryRestTypes.Required : BigQueryRestTypes.Nullable;
            wanted[i] = new WantedField(new TableColumn(field.Name, field.Type), new BigQueryFieldResource(field.Name, BigQueryRestTypes.Name(field.Type), mode));
        }

        return wanted;
    }

    /// <summary>The wanted fields the table lacks; a present one of another type is a conflict.</summary>
    private List<WantedField> Missing(string table, IReadOnlyList<JsonElement> existing, WantedField[] wanted)
    {
        var byName = new Dictionary<string, (string Name, string? Type)>(StringComparer.OrdinalIgnoreCase);
        foreach (var field in existing)
        {
            byName.TryAdd(BigQueryFieldJson.Name(field), (BigQueryFieldJson.Name(field), BigQueryFieldJson.Type(field)));
        }

        var missing = new List<WantedField>();
        foreach (var field in wanted)
        {
            if (!byName.TryGetValue(field.Column.Name, out var present))
            {
                missing.Add(field);
            }
            else if (BigQueryRestTypes.Parse(present.Type) != field.Column.Type)
            {
                throw new SinkSchemaConflictException(client.QualifiedName(table), present.Name, field.Column.Type, present.Type ?? "(no type)");
            }
        }

        return missing;
    }

    private static TableColumn[] UserColumns(BigQueryTableResource table) =>
    [
        .. (table.Schema?.Fields ?? [])
            .Select(field => (Name: BigQueryFieldJson.Name(field), Type: BigQueryRestTypes.Parse(BigQueryFieldJson.Type(field))))
            .Where(field => !IsReserved(field.Name) && field.Type is not null)
            .Select(field => new TableColumn(field.Name, field.Type!.Value)),
    ];

    private static bool IsReserved(string name) => name.StartsWith('_') && (
        Same(name, ReservedColumns.KafkaTopic) || Same(name, ReservedColumns.KafkaPartition) || Same(name, ReservedColumns.KafkaOffset)
        || Same(name, ReservedColumns.KafkaTimestamp) || Same(name, ReservedColumns.IngestedAt) || Same(name, ReservedColumns.Quarantine));

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
