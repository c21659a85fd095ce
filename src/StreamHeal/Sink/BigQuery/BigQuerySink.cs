using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StreamHeal.Sink.BigQuery.Checkpoints;
using StreamHeal.Telemetry;
using StreamHeal.Flow;
using StreamHeal.Tables;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// Writes batches to BigQuery through the Storage Write API. <c>at-least-once</c> appends to each table's
/// <c>_default</c> stream; <c>exactly-once</c> appends each Kafka partition's rows, in offset order, to its own COMMITTED
/// stream at explicit row offsets and checkpoints where each stream stands (see <see cref="TableWriter"/>).
/// </summary>
public sealed class BigQuerySink : ISink
{
    private readonly BigQuerySinkOptions _options;
    private readonly IBigQueryTableSchemas _tables;
    private readonly BigQueryWriteClient _client;
    private readonly CheckpointStore? _checkpoints;
    private readonly TopicHolds _holds;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly AdaptiveConcurrency _concurrency;
    private readonly ConcurrentDictionary<string, TableWriter> _writers = new(StringComparer.Ordinal);
    private readonly IDisposable[] _owned;
    private int _disposed;

    internal BigQuerySink(
        BigQuerySinkOptions options, IBigQueryTableSchemas tables, BigQueryWriteClient client, CheckpointStore? checkpoints,
        TopicHolds holds, TimeProvider timeProvider, ILogger logger, params IDisposable[] owned)
    {
        if (options.IsExactlyOnce && checkpoints is null)
        {
            throw new ArgumentException("Exactly-once delivery needs a checkpoint store.", nameof(checkpoints));
        }

        _options = options;
        _tables = tables;
        _client = client;
        _checkpoints = checkpoints;
        _holds = holds;
        _timeProvider = timeProvider;
        _logger = logger;
        _owned = owned;
        _concurrency = new AdaptiveConcurrency(options.MaxInFlightAppends);
        Stats.ObserveConcurrency(() => _concurrency.Limit, () => _concurrency.InFlight);
    }

    public string Name => "bigquery";

    public BigQuerySinkStats Stats { get; } = new();

    public string? StatusLine => Stats.ToString();

    /// <summary>Each table has its own streams and writer: a table waiting for a new column never holds up another.</summary>
    public bool WritesTablesConcurrently => true;

    /// <summary>At-least-once pipelines a table's batches on its <c>_default</c> stream; exactly-once keeps each partition's offsets in order.</summary>
    public int BatchesInFlightPerTable => _options.IsExactlyOnce ? 1 : _options.BatchesInFlightPerTable;

    public async ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken)
    {
        TableColumns ensured;
        try
        {
            ensured = await _tables.EnsureColumnsAsync(table, columns, cancellationToken).ConfigureAwait(false);
        }
        catch (SinkUnavailableException e) when (BigQueryCallFailure.TlsProblem(e) is { } problem)
        {
            // Retried like an outage (the trust store may be being fixed), but the status line says what it is.
            Stats.RecordConfigurationProblem(problem);
            throw;
        }
        catch (BigQueryTableUnavailableException e)
        {
            // Not a reason to stop every table: this one stops at its next batch, with its partitions paused.
            Writer(table).Refuse(e);
            return columns;
        }

        if (ensured.Added.Count > 0)
        {
            Writer(table).AwaitColumns(ensured.Added);
            Log.BigQueryColumnsAdded(_logger, table, string.Join(", ", ensured.Added));
        }

        return ensured.Columns;
    }

    public ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken) =>
        new(Writer(batch.Table).WriteAsync(batch, cancellationToken));

    /// <summary>
    /// Nothing up front: exactly-once positions are per partition and read from the checkpoint topic when a partition
    /// is first written after an assignment, so a partition that moved between replicas is always read fresh.
    /// </summary>
    public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<int, long>>(new Dictionary<int, long>());

    public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions)
    {
        if (_writers.TryGetValue(TableNames.ForTopic(topic), out var writer))
        {
            writer.MarkStale(partitions);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var writer in _writers.Values)
        {
            await writer.DisposeAsync().ConfigureAwait(false);
        }

        if (_checkpoints is not null)
        {
            await _checkpoints.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    private TableWriter Writer(string table) =>
        _writers.GetOrAdd(table, static (name, sink) => new TableWriter(
            name, sink._options, sink._client, sink._checkpoints, sink._holds, sink._concurrency, sink.Stats, sink._timeProvider, sink._logger), this);
}
