using StreamHeal.Records;
using StreamHeal.Tables;

namespace StreamHeal.Sink;

/// <summary>
/// The destination seam. A sink writes one table's batch and reports an outcome per row.
/// Transient trouble (the destination is unreachable, busy or failing) is a thrown
/// <see cref="SinkUnavailableException"/>: the caller retries the same batch in place without limit.
/// Any other exception is a bug or an unrecoverable state and stops the service.
/// </summary>
public interface ISink : IAsyncDisposable
{
    /// <summary>A short name for logs and the status line (e.g. <c>duckdb</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Makes sure the table exists with at least <paramref name="columns"/> (adding new ones as nullable) and
    /// returns the table's columns as they exist now. Called at start-up to reconcile, and before a batch that
    /// brings new columns. A column whose existing type differs is a <see cref="SinkSchemaConflictException"/>.
    /// </summary>
    ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="batch"/>. Rows of one partition arrive in offset order (across batches too, unless
    /// <see cref="BatchesInFlightPerTable"/> is above 1). A sink that stores offsets
    /// (exactly-once) skips rows at or below what it already holds and reports them as <see cref="RowOutcome.AlreadyWritten"/>.
    /// Once it returns, the sink keeps no reference to the batch or its rows: the caller reuses the row array and
    /// releases confirmed rows (<see cref="FlatRow.Release"/>), whose fields then belong to other events.
    /// </summary>
    ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken);

    /// <summary>
    /// The next offset the sink expects per partition of <paramref name="topic"/> (last written + 1), for sinks that
    /// store offsets transactionally with rows; empty for sinks that do not.
    /// </summary>
    ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken);

    // The members below have no default body on purpose: a wrapper that forgot one would silently answer the default
    // instead of its inner sink's (a serialised sink, a blank status, positions never re-read after a rebalance).

    /// <summary>
    /// True when batches of different tables may be written at the same time: each table gets a lane of its own, and a
    /// table held on its topic (see <see cref="Flow.TopicHolds"/>) or retrying its write never stalls another.
    /// </summary>
    bool WritesTablesConcurrently { get; }

    /// <summary>
    /// How many batches of one table the sink takes at the same time (1: one at a time). Above 1, batches of a table
    /// are written concurrently, so rows of one partition are in offset order within a batch but not across batches:
    /// only for a sink that keeps no per-partition position (the BigQuery sink's at-least-once <c>_default</c> stream).
    /// </summary>
    int BatchesInFlightPerTable { get; }

    /// <summary>What the sink is doing beyond rows written (throttling, held tables), for the status line; null if nothing.</summary>
    string? StatusLine { get; }

    /// <summary>
    /// This member was just given these partitions of <paramref name="topic"/> (called on the poll thread: no I/O).
    /// A sink that keeps per-partition positions reads them again before its next write for them.
    /// </summary>
    void PartitionsAssigned(string topic, IReadOnlyList<int> partitions);
}

/// <summary>One row to write: its Kafka coordinates and its flattened values.</summary>
public readonly record struct SinkRow(int Partition, long Offset, DateTimeOffset Timestamp, FlatRow Row);

/// <summary>
/// Rows for one table from one topic. <see cref="Columns"/> is the table's full column set as the schema
/// state knows it (user columns only; the sink adds its own <c>_kafka_*</c>, <c>_ingested_at</c> and <c>_quarantine</c>).
/// </summary>
public sealed record SinkBatch(string Table, string Topic, IReadOnlyList<TableColumn> Columns, IReadOnlyList<SinkRow> Rows)
{
    /// <summary>0 for a batch's first try; the caller's retry of the same rows after a <see cref="SinkUnavailableException"/> counts up, so a sink can resume what an earlier try did.</summary>
    public int Attempt { get; init; }

    /// <summary>
    /// For a partition of <see cref="Topic"/>, the offset below which every record is done (its row in the sink or its
    /// dead letter acknowledged), read from the pipeline's offset tracker when called; null: unknown. A sink may forget
    /// what it keeps about those records: no replay of them can lose one.
    /// </summary>
    public Func<int, long?>? DoneBelow { get; init; }
}

public enum RowOutcome : byte
{
    Written,
    /// <summary>The sink already held this row (an idempotent replay); it counts as done.</summary>
    AlreadyWritten,
    /// <summary>The destination refused this row for good; it goes to the DLQ with <see cref="SinkBatchResult.ErrorFor"/>.</summary>
    Rejected,
}

/// <summary>Per-row outcomes of a batch, index-aligned with <see cref="SinkBatch.Rows"/>.</summary>
public sealed class SinkBatchResult
{
    private readonly RowOutcome[] _outcomes;
    private Dictionary<int, string>? _errors;

    public SinkBatchResult(int count) => _outcomes = new RowOutcome[count];

    public static SinkBatchResult AllWritten(int count) => new(count);

    public int Count => _outcomes.Length;

    public RowOutcome this[int index] => _outcomes[index];

    public void Set(int index, RowOutcome outcome) => _outcomes[index] = outcome;

    public void Reject(int index, string error)
    {
        _outcomes[index] = RowOutcome.Rejected;
        (_errors ??= [])[index] = error;
    }

    public string? ErrorFor(int index) => _errors is not null && _errors.TryGetValue(index, out var error) ? error : null;
}

/// <summary>The sink cannot take writes right now; retry the same batch later, never dead-letter for this.</summary>
public sealed class SinkUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The destination's existing column type disagrees with the schema state. Fatal: names both types.</summary>
public sealed class SinkSchemaConflictException(string table, string column, ColumnType expected, string actual)
    : Exception($"Table '{table}' column '{column}' has type {actual} in the sink, but the schema state says {expected}. Column types never change; fix the table or the schema state.")
{
    public string Table { get; } = table;

    public string Column { get; } = column;
}

/// <summary>The sink found a second row for one (partition, offset): a bug upstream. Never dead-lettered.</summary>
public sealed class DuplicateRowException(string message, Exception? inner = null) : Exception(message, inner);
