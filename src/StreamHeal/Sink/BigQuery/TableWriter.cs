using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using StreamHeal.Sink.BigQuery.Checkpoints;
using StreamHeal.Telemetry;
using StreamHeal.Flow;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// One table's writes. The sink stage calls it for one batch at a time (at-least-once: up to
/// <see cref="BigQuerySinkOptions.BatchesInFlightPerTable"/> at once) and retries a batch in place after a transient
/// failure, saying so (<see cref="SinkBatch.Attempt"/>): the retry resumes the batch's <see cref="BatchProgress"/>, so
/// no row is sent twice because of a retry and no rejection is forgotten. New columns pass the <see cref="ColumnGate"/>
/// first; rows go out through the <see cref="ChunkSender"/>, to the <c>_default</c> stream (at-least-once) or to the
/// <see cref="ExactlyOncePartitions"/>.
/// </summary>
internal sealed class TableWriter : IAsyncDisposable
{
    private readonly string _table;
    private readonly string _tablePath;
    private readonly TopicHolds _holds;
    private readonly BigQuerySinkStats _stats;
    private readonly ILogger _logger;
    private readonly ColumnGate _columns;
    private readonly ChunkSender _sender;
    private readonly ExactlyOncePartitions? _partitions;
    // Keyed by the batch's row array, which a retry of it shares and no other batch in flight does.
    private readonly ConcurrentDictionary<object, BatchProgress> _inProgress = new(ReferenceEqualityComparer.Instance);
    private volatile BigQueryTableUnavailableException? _refused;
    private int _stopped;

    public TableWriter(
        string table,
        BigQuerySinkOptions options,
        BigQueryWriteClient client,
        CheckpointStore? checkpoints,
        TopicHolds holds,
        AdaptiveConcurrency concurrency,
        BigQuerySinkStats stats,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _table = table;
        _tablePath = options.TablePath(table);
        _holds = holds;
        _stats = stats;
        _logger = logger;
        _columns = new ColumnGate(table, _tablePath, options, client, holds, stats, timeProvider, logger, Appenders);
        var checkpointer = checkpoints is null ? null : new StreamCheckpointer(table, checkpoints, stats);
        stats.Track(table);
        _sender = new ChunkSender(table, _tablePath, client, _columns, checkpointer, concurrency, stats, timeProvider, logger);
        _partitions = options.IsExactlyOnce ? new ExactlyOncePartitions(table, _sender, checkpointer!, stats, logger) : null;
    }

    /// <summary>Columns were just added: rows are held until the write streams report them.</summary>
    public void AwaitColumns(IReadOnlyList<string> columns) => _columns.AwaitColumns(columns);

    /// <summary>BigQuery refused the table while it was being ensured: the next batch stops it.</summary>
    public void Refuse(BigQueryTableUnavailableException reason) => _refused = reason;

    /// <summary>These partitions were (re)assigned: their checkpoints must be read again before the next write.</summary>
    public void MarkStale(IReadOnlyList<int> partitions) => _partitions?.MarkStale(partitions);

    public async Task<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _stopped) == 1)
        {
            // An earlier batch found the table refused; hold this one too (its partitions are paused) until shutdown.
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }

        if (_refused is { } refused)
        {
            await StopAsync(batch.Topic, refused, cancellationToken).ConfigureAwait(false);
        }

        var key = BatchKey(batch);
        var progress = _inProgress.TryGetValue(key, out var previous) && previous.IsRetriedBy(batch) ? previous : new BatchProgress(batch);
        _inProgress[key] = progress;
        try
        {
            await _columns.UseColumnsAsync(batch, cancellationToken).ConfigureAwait(false);
            if (_partitions is not null)
            {
                await _partitions.WriteAsync(progress, batch.DoneBelow, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _sender.SendAsync(null, progress, progress.Pending(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested && SinkErrors.IsTransient(SinkErrors.Classify(e)))
        {
            throw BigQueryCallFailure.Transient($"BigQuery call for table {_tablePath} failed", e, _stats);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.PermissionDenied)
        {
            await StopAsync(batch.Topic, new BigQueryTableUnavailableException(
                $"BigQuery refused table {_tablePath} ({e.StatusCode}: {e.Status.Detail}). Check that it exists (or enable sink.bigquery.autoCreateTables) and that the service account has roles/bigquery.dataEditor.", e),
                cancellationToken).ConfigureAwait(false);
        }
        catch (BigQueryTableUnavailableException e)
        {
            await StopAsync(batch.Topic, e, cancellationToken).ConfigureAwait(false);
        }

        _inProgress.TryRemove(key, out _);
        return progress.Result;
    }

    /// <summary>What a batch and its retries have in common: the sink stage's row array (a list, for callers that pass one).</summary>
    private static object BatchKey(SinkBatch batch) => batch.Rows is ArraySegment<SinkRow> { Array: { } rows } ? rows : batch.Rows;

    public async ValueTask DisposeAsync()
    {
        if (_sender.DefaultAppender is { } appender)
        {
            await appender.DisposeAsync().ConfigureAwait(false);
        }

        if (_partitions is not null)
        {
            await _partitions.DisposeAsync().ConfigureAwait(false);
        }
    }

    private IEnumerable<StreamAppender> Appenders()
    {
        if (_sender.DefaultAppender is { } appender)
        {
            yield return appender;
        }

        foreach (var partition in _partitions?.Appenders ?? [])
        {
            yield return partition;
        }
    }

    /// <summary>
    /// BigQuery refuses the table for good: say what to change, pause its partitions and hold the batch. Nothing is
    /// completed, so nothing is committed: fixing the cause and restarting resumes exactly here.
    /// </summary>
    private async Task StopAsync(string topic, BigQueryTableUnavailableException e, CancellationToken cancellationToken)
    {
        // Batches written at once can each find the table refused: it is held, counted and logged once.
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            _holds.Hold(topic);
            _stats.AdjustStoppedTables(1);
            Log.BigQueryTableStopped(_logger, _table, topic, e.Message);
        }

        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
    }
}
