using StreamHeal.Tables;
namespace StreamHeal.Sink.BigQuery;

/// <summary>Makes a table hold at least some columns; implemented over the BigQuery REST API.</summary>
internal interface IBigQueryTableSchemas
{
    /// <summary>
    /// Creates the table or adds the missing columns (NULLABLE); returns the table's user columns now and the ones this
    /// call added. A column whose type differs is a <see cref="SinkSchemaConflictException"/>; a table BigQuery refuses
    /// is a <see cref="BigQueryTableUnavailableException"/>; a transient failure a <see cref="SinkUnavailableException"/>.
    /// </summary>
    Task<TableColumns> EnsureColumnsAsync(string table, IReadOnlyList<TableColumn> userColumns, CancellationToken cancellationToken);
}

/// <summary>The table's user columns after an ensure, and the names that ensure added.</summary>
internal sealed record TableColumns(IReadOnlyList<TableColumn> Columns, IReadOnlyList<string> Added);
