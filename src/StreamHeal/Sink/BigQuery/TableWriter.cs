using Grpc.Core;
using Microsoft.Extensions.Logging;
using StreamHeal.Pipeline;
using StreamHeal.Sink.BigQuery.Checkpoints;
using StreamHeal.Sink.BigQuery.Protos;
using StreamHeal.Telemetry;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// One table's writes. The sink stage calls it for one batch at a time, so its state needs no locks except across the
/// partition tasks of one exactly-once batch, which touch only their own <see cref="PartitionStream"/>.
/// <para>
/// Rows go out in batch order, chunk by chunk. Row errors dead-letter just the named rows and the rest are re-encoded
/// and resent; an INVALID_ARGUMENT without row errors is bisected down to the rows that cause it. When a try fails for
/// a transient reason, the sink stage retries the same batch, and the writer resumes it where it stopped
/// (<see cref="_inProgress"/>), so no row is sent twice because of a retry and no rejection is forgotten.
/// </para>
/// </summary>
internal sealed class TableWriter(
    string table,
    BigQuerySinkOptions options,
    BigQueryWriteClient client,
    CheckpointStore? checkpoints,
    TopicHolds holds,
    AdaptiveConcurrency concurrency,
    BigQuerySinkStats stats,
    TimeProvider timeProvider,
    ILogger logger,
    Func<double> random) : IAsyncDisposable
{
    private readonly string _tablePath = options.TablePath(table);
    private readonly Dictionary<int, PartitionStream> _partitions = [];
    private readonly HashSet<string> _awaitedColumns = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _staleGate = new();
    private readonly HashSet<int> _stale = [];
    private BigQueryRowLayout? _layout;
    private BigQueryRowEncoder? _encoder;
    private StreamAppender? _default;
    private BatchProgress? _inProgress;
    private BigQueryTableUnavailableException? _refused;
    private bool _stopped;

    /// <summary>Columns were just added: rows are held until the write streams report them.</summary>
    public void AwaitColumns(IReadOnlyList<string> columns)
    {
        lock (_staleGate)
        {
            _awaitedColumns.UnionWith(columns);
        }
    }

    /// <summary>BigQuery refused the table while it was being ensured: the next batch stops it.</summary>
    public void Refuse(BigQueryTableUnavailableException reason) => _refused = reason;

    /// <summary>These partitions were (re)assigned: their checkpoints must be read again before the next write.</summary>
    public void MarkStale(IReadOnlyList<int> partitions)
    {
        lock (_staleGate)
        {
            _stale.UnionWith(partitions);
        }
    }

    public async Task<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        if (_stopped)
        {
            // An earlier batch found the table refused; hold this one too (its partitions are paused) until shutdown.
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }

        if (_refused is { } refused)
        {
            await StopAsync(batch.Topic, refused, cancellationToken).ConfigureAwait(false);
        }

        var progress = _inProgress is { } previous && ReferenceEquals(previous.Batch, batch) ? previous : new BatchProgress(batch);
        _inProgress = progress;
        try
        {
            await UseColumnsAsync(batch, cancellationToken).ConfigureAwait(false);
            if (options.IsExactlyOnce)
            {
                await WriteExactlyOnceAsync(progress, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _default ??= new StreamAppender(client, BigQueryWriteClient.DefaultStream(_tablePath), _layout!, concurrency, stats, random);
                await _default.UseLayoutAsync(_layout!).ConfigureAwait(false);
                await SendAsync(_default, null, progress, progress.Pending(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested && SinkErrors.Classify(e) is SinkErrorAction.Reconnect or SinkErrorAction.BackOff)
        {
            throw new SinkUnavailableException($"BigQuery call for table {_tablePath} failed: {e.StatusCode}: {e.Status.Detail}", e);
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

        _inProgress = null;
        return progress.Result;
    }

    public async ValueTask DisposeAsync()
    {
        if (_default is not null)
        {
            await _default.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var partition in _partitions.Values)
        {
            if (partition.Appender is { } appender)
            {
                await appender.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// BigQuery refuses the table for good: say what to change, pause its partitions and hold the batch. Nothing is
    /// completed, so nothing is committed: fixing the cause and restarting resumes exactly here.
    /// </summary>
    private async Task StopAsync(string topic, BigQueryTableUnavailableException e, CancellationToken cancellationToken)
    {
        _stopped = true;
        holds.Hold(topic);
        stats.AdjustStoppedTables(1);
        Log.BigQueryTableStopped(logger, table, topic, e.Message);
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Switches to the batch's columns; new ones are used only once BigQuery reports them on the table's streams.</summary>
    private async Task UseColumnsAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        if (_layout is not null && _layout.Fields.Count == batch.Columns.Count + BigQueryRowLayout.ReservedCount)
        {
            return;
        }

        string[] awaited;
        lock (_staleGate)
        {
            awaited = [.. _awaitedColumns];
        }

        if (Array.Exists(awaited, name => batch.Columns.Any(column => string.Equals(column.Name, name, StringComparison.OrdinalIgnoreCase))))
        {
            await WaitForColumnsAsync(batch.Topic, awaited, cancellationToken).ConfigureAwait(false);
            lock (_staleGate)
            {
                _awaitedColumns.ExceptWith(awaited);
            }
        }

        _layout = new BigQueryRowLayout(batch.Columns);
        _encoder = new BigQueryRowEncoder(_layout);
    }

    /// <summary>
    /// Holds this table (and pauses its topic) until a write stream reports every awaited column, either in an append
    /// response (<c>updated_schema</c>) or in the stream's FULL view, polled at <c>schemaPollInterval</c>. BigQuery can
    /// take minutes; other tables are written meanwhile.
    /// </summary>
    private async Task WaitForColumnsAsync(string topic, string[] columns, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        holds.Hold(topic);
        stats.AdjustHeldTables(1);
        Log.BigQueryHoldingForSchema(logger, table, string.Join(", ", columns));
        try
        {
            while (true)
            {
                if (ReportedByAStream(columns))
                {
                    break;
                }

                try
                {
                    var stream = await client.GetWriteStreamAsync(BigQueryWriteClient.DefaultStream(_tablePath), cancellationToken).ConfigureAwait(false);
                    if (stream.TableSchema is { } schema && HasColumns(schema, columns))
                    {
                        break;
                    }
                }
                catch (RpcException e) when (SinkErrors.Classify(e) is SinkErrorAction.Reconnect or SinkErrorAction.BackOff)
                {
                    // Asked again at the next interval.
                }

                await Task.Delay(options.SchemaPollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            holds.Release(topic);
            stats.AdjustHeldTables(-1);
        }

        Log.BigQuerySchemaVisible(logger, table, timeProvider.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>Whether any of this table's connections was told (<c>updated_schema</c>) of a schema with every column.</summary>
    private bool ReportedByAStream(string[] columns)
    {
        if (_default?.UpdatedSchema is { } reported && HasColumns(reported, columns))
        {
            return true;
        }

        foreach (var partition in _partitions.Values)
        {
            if (partition.Appender?.UpdatedSchema is { } schema && HasColumns(schema, columns))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasColumns(TableSchema schema, string[] columns)
    {
        foreach (var column in columns)
        {
            if (!schema.Fields.Any(field => string.Equals(field.Name, column, StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Every row of the batch is looked at again on a retry, not just the ones an earlier try left pending: what
    /// counts is the partition's stream position. Rows the earlier try appended are below <see cref="PartitionStream.NextKafka"/>
    /// and skipped; if the partition was re-read from its checkpoint meanwhile (it was reassigned), they are resent from
    /// the checkpoint and the stream's end is found by suffix search, so the rows sent always start where the checkpoint says.
    /// </summary>
    private async Task WriteExactlyOnceAsync(BatchProgress progress, CancellationToken cancellationToken)
    {
        var byPartition = new Dictionary<int, List<int>>();
        for (var index = 0; index < progress.Batch.Rows.Count; index++)
        {
            var partition = progress.Batch.Rows[index].Partition;
            if (!byPartition.TryGetValue(partition, out var rows))
            {
                byPartition[partition] = rows = [];
            }

            rows.Add(index);
        }

        var tasks = new List<Task>(byPartition.Count);
        foreach (var (partition, rows) in byPartition)
        {
            tasks.Add(WritePartitionAsync(await PartitionAsync(partition, cancellationToken).ConfigureAwait(false), progress, rows, cancellationToken));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task<PartitionStream> PartitionAsync(int partition, CancellationToken cancellationToken)
    {
        bool stale;
        lock (_staleGate)
        {
            stale = _stale.Remove(partition);
        }

        if (_partitions.TryGetValue(partition, out var state) && !stale)
        {
            return state;
        }

        var checkpoint = await checkpoints!.ReadAsync(table, partition, cancellationToken).ConfigureAwait(false);
        if (state?.Appender is { } old)
        {
            await old.DisposeAsync().ConfigureAwait(false);
        }

        state = new PartitionStream(partition, checkpoint);
        _partitions[partition] = state;
        Log.BigQueryPartitionResumed(logger, table, partition, checkpoint?.Stream ?? "(new stream)", checkpoint?.NextRow ?? 0, checkpoint?.NextKafka ?? -1);
        return state;
    }

    private async Task WritePartitionAsync(PartitionStream state, BatchProgress progress, List<int> rows, CancellationToken cancellationToken)
    {
        var batch = progress.Batch;
        var toSend = new List<int>(rows.Count);
        long lastOffset = -1;
        foreach (var index in rows)
        {
            var offset = batch.Rows[index].Offset;
            lastOffset = offset;
            if (state.IsRejected(offset))
            {
                if (!progress.IsDone(index))
                {
                    progress.Reject(index, "BigQuery refused this row (a row error) earlier; it is dead-lettered again.");
                }
            }
            else if (offset < state.NextKafka)
            {
                if (!progress.IsDone(index))
                {
                    progress.Done(index, RowOutcome.AlreadyWritten);
                }
            }
            else
            {
                toSend.Add(index);
            }
        }

        if (toSend.Count > 0)
        {
            await SendAsync(null, state, progress, toSend, cancellationToken).ConfigureAwait(false);
        }

        // Always, even when nothing moved: an earlier try may have appended this batch's rows and died before this.
        state.NextKafka = Math.Max(state.NextKafka, lastOffset + 1);
        await CheckpointAsync(state, cancellationToken).ConfigureAwait(false);
    }

    private async Task CheckpointAsync(PartitionStream state, CancellationToken cancellationToken)
    {
        if (state.Stream is null)
        {
            return; // Nothing was ever appended for it: a replay would skip nothing.
        }

        await checkpoints!.WriteAsync(table, state.Partition, state.ToCheckpoint(), cancellationToken).ConfigureAwait(false);
        stats.RecordCheckpoint();
    }

    private async Task<StreamAppender> AppenderAsync(PartitionStream state, CancellationToken cancellationToken)
    {
        if (state.Stream is null)
        {
            var created = await client.CreateCommittedStreamAsync(_tablePath, cancellationToken).ConfigureAwait(false);
            state.StartStream(created.Name);
        }

        if (state.Appender is null || state.Appender.StreamName != state.Stream)
        {
            if (state.Appender is { } old)
            {
                await old.DisposeAsync().ConfigureAwait(false);
            }

            state.Appender = new StreamAppender(client, state.Stream!, _layout!, concurrency, stats, random);
        }

        await state.Appender.UseLayoutAsync(_layout!).ConfigureAwait(false);
        return state.Appender;
    }

    /// <summary>
    /// Sends rows in order. <paramref name="state"/> null: the <c>_default</c> stream through <paramref name="appender"/>,
    /// no offsets. Otherwise the partition's COMMITTED stream at its next row offset.
    /// </summary>
    private async Task SendAsync(StreamAppender? appender, PartitionStream? state, BatchProgress progress, List<int> rows, CancellationToken cancellationToken)
    {
        var work = new Stack<List<int>>();
        work.Push(rows);
        while (work.TryPop(out var part))
        {
            if (part.Count == 0)
            {
                continue;
            }

            var sub = progress.Batch with { Rows = part.ConvertAll(i => progress.Batch.Rows[i]) };
            var maxRowBytes = client.RowBudget(state?.Stream ?? BigQueryWriteClient.DefaultStream(_tablePath), _layout!);
            using var encoded = BigQueryBatchEncoder.Encode(_encoder!, sub, timeProvider.GetUtcNow(), maxRowBytes);
            for (var j = 0; j < part.Count; j++)
            {
                if (encoded.Result[j] == RowOutcome.Rejected)
                {
                    progress.Reject(part[j], encoded.Result.ErrorFor(j)!);
                    state?.AddRejected(sub.Rows[j].Offset);
                }
            }

            for (var c = 0; c < encoded.Chunks.Count; c++)
            {
                var chunk = encoded.Chunks[c];
                var chunkRows = RowsOf(encoded, chunk, part);
                var target = state is null ? appender! : await AppenderAsync(state, cancellationToken).ConfigureAwait(false);
                long? offset = state?.NextRow;
                AppendRowsResponse response;
                try
                {
                    response = await target.AppendAsync(encoded.RowsOf(chunk), chunk.RowCount, offset, cancellationToken).ConfigureAwait(false);
                }
                catch (BigQueryStreamGoneException gone) when (state is not null)
                {
                    LoseGuarantee(state, progress.Batch.Rows[chunkRows[0]].Offset, gone.Message);
                    PushRemaining(work, encoded, part, c, chunkRows);
                    break;
                }
                catch (BigQueryStreamGoneException gone)
                {
                    throw new BigQueryTableUnavailableException($"Table {_tablePath} has no _default stream ({gone.Message}). Does the table exist? With sink.bigquery.autoCreateTables off it must be created first.", gone);
                }

                var action = SinkErrors.Classify(response);
                if (action == SinkErrorAction.None)
                {
                    foreach (var index in chunkRows)
                    {
                        progress.Done(index, RowOutcome.Written);
                    }

                    state?.Advance(chunk.RowCount, progress.Batch.Rows[chunkRows[^1]].Offset);
                    continue;
                }

                // Rows naming a column the stream does not know yet are not bad rows: wait for the column, then resend.
                if (HasStorageError(response, StorageError.Types.StorageErrorCode.SchemaMismatchExtraFields))
                {
                    await WaitForColumnsAsync(progress.Batch.Topic, [.. _layout!.Fields.Select(f => f.Name)], cancellationToken).ConfigureAwait(false);
                    PushRemaining(work, encoded, part, c, chunkRows);
                    break;
                }

                if (action == SinkErrorAction.DeadLetterRows)
                {
                    var refused = new HashSet<int>();
                    foreach (var rowError in response.RowErrors)
                    {
                        var index = chunkRows[(int)rowError.Index];
                        if (refused.Add(index))
                        {
                            progress.Reject(index, $"BigQuery row error ({rowError.Code}): {rowError.Message}");
                            state?.AddRejected(progress.Batch.Rows[index].Offset);
                        }
                    }

                    stats.RecordRowErrors(refused.Count);
                    if (state is not null)
                    {
                        // Before resending: a crash now must not replay the refused rows into the offsets of good ones.
                        await CheckpointAsync(state, cancellationToken).ConfigureAwait(false);
                    }

                    PushRemaining(work, encoded, part, c, chunkRows.Where(i => !refused.Contains(i)));
                    break;
                }

                if (action == SinkErrorAction.AlreadyWritten && state is not null)
                {
                    await FindStreamEndAsync(state, progress, chunkRows, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (action == SinkErrorAction.OffsetGap && state is not null)
                {
                    LoseGuarantee(state, progress.Batch.Rows[chunkRows[0]].Offset, $"the stream ends before row {offset}: {response.Error.Message}");
                    PushRemaining(work, encoded, part, c, chunkRows);
                    break;
                }

                if (HasStorageError(response, StorageError.Types.StorageErrorCode.StreamFinalized) && state is not null)
                {
                    var rowCount = await client.FinalizeAsync(state.Stream!, cancellationToken).ConfigureAwait(false);
                    var skip = (int)Math.Clamp(rowCount - state.NextRow, 0, chunkRows.Count);
                    for (var i = 0; i < skip; i++)
                    {
                        progress.Done(chunkRows[i], RowOutcome.AlreadyWritten);
                    }

                    Log.BigQueryStreamFinalized(logger, table, state.Partition, state.Stream!, rowCount);
                    state.StartStream(null);
                    PushRemaining(work, encoded, part, c, chunkRows.Skip(skip));
                    break;
                }

                if ((StatusCode)response.Error.Code == StatusCode.InvalidArgument)
                {
                    if (chunkRows.Count == 1)
                    {
                        progress.Reject(chunkRows[0], $"BigQuery refused the row: {response.Error.Message}");
                        state?.AddRejected(progress.Batch.Rows[chunkRows[0]].Offset);
                        if (state is not null)
                        {
                            await CheckpointAsync(state, cancellationToken).ConfigureAwait(false);
                        }

                        continue;
                    }

                    // No row errors to say which rows: split until the refusal names single rows.
                    stats.RecordBisection();
                    var half = chunkRows.Count / 2;
                    PushRemaining(work, encoded, part, c, []);
                    work.Push(chunkRows.GetRange(half, chunkRows.Count - half));
                    work.Push(chunkRows.GetRange(0, half));
                    break;
                }

                throw new BigQueryTableUnavailableException(
                    $"BigQuery refused an append to table {_tablePath}: {(StatusCode)response.Error.Code}: {response.Error.Message}");
            }
        }
    }

    /// <summary>
    /// A replay hit rows the stream already holds (ALREADY_EXISTS for the whole request). Appends are atomic and only
    /// accepted at exactly the stream's end, so resending suffixes finds it: for rows [0, n) at offset r, the suffix
    /// [k, n) at r + k is accepted exactly when r + k is the end; ALREADY_EXISTS means k is too small, OUT_OF_RANGE too
    /// large. The accepted suffix is precisely what was missing.
    /// </summary>
    private async Task FindStreamEndAsync(PartitionStream state, BatchProgress progress, List<int> rows, CancellationToken cancellationToken)
    {
        stats.RecordSuffixSearch();
        var start = state.NextRow;
        int low = 1, high = rows.Count - 1;
        while (low <= high)
        {
            var k = (low + high) / 2;
            var suffix = rows.GetRange(k, rows.Count - k);
            var sub = progress.Batch with { Rows = suffix.ConvertAll(i => progress.Batch.Rows[i]) };
            using var encoded = BigQueryBatchEncoder.Encode(_encoder!, sub, timeProvider.GetUtcNow(), int.MaxValue / 2);
            var appender = await AppenderAsync(state, cancellationToken).ConfigureAwait(false);
            var response = await appender.AppendAsync(encoded.RowsOf(encoded.Chunks[0]), encoded.Chunks[0].RowCount, start + k, cancellationToken).ConfigureAwait(false);
            switch (SinkErrors.Classify(response))
            {
                case SinkErrorAction.None:
                    for (var i = 0; i < rows.Count; i++)
                    {
                        progress.Done(rows[i], i < k ? RowOutcome.AlreadyWritten : RowOutcome.Written);
                    }

                    state.Advance(rows.Count, progress.Batch.Rows[rows[^1]].Offset);
                    Log.BigQueryStreamEndFound(logger, table, state.Partition, start + k, k, rows.Count - k);
                    return;
                case SinkErrorAction.AlreadyWritten:
                    low = k + 1;
                    break;
                case SinkErrorAction.OffsetGap:
                    high = k - 1;
                    break;
                default:
                    throw new SinkUnavailableException($"Finding the end of stream {state.Stream} failed: {(StatusCode)response.Error.Code}: {response.Error.Message}");
            }
        }

        if (low < rows.Count)
        {
            throw new SinkUnavailableException($"Stream {state.Stream} answered inconsistently while its end was searched between rows {start} and {start + rows.Count}.");
        }

        // Every row of the request is already in the stream.
        foreach (var index in rows)
        {
            progress.Done(index, RowOutcome.AlreadyWritten);
        }

        state.Advance(rows.Count, progress.Batch.Rows[rows[^1]].Offset);
    }

    private void LoseGuarantee(PartitionStream state, long fromOffset, string why)
    {
        stats.RecordGuaranteeLoss();
        Log.BigQueryGuaranteeLost(logger, table, state.Partition, state.Stream ?? "", fromOffset, why);
        state.StartStream(null);
    }

    private static bool HasStorageError(AppendRowsResponse response, StorageError.Types.StorageErrorCode code)
    {
        if (response.Error is null)
        {
            return false;
        }

        foreach (var detail in response.Error.Details)
        {
            if (detail.TryUnpack<StorageError>(out var error) && error.Code == code)
            {
                return true;
            }
        }

        return false;
    }

    private static List<int> RowsOf(BigQueryEncodedBatch encoded, AppendChunk chunk, List<int> part)
    {
        var rows = new List<int>(chunk.RowCount);
        for (var i = 0; i < chunk.RowCount; i++)
        {
            rows.Add(part[encoded.BatchIndexOf(chunk, i)]);
        }

        return rows;
    }

    /// <summary>Queues <paramref name="first"/> followed by the rows of every chunk after <paramref name="chunk"/>, to be re-encoded in order.</summary>
    private static void PushRemaining(Stack<List<int>> work, BigQueryEncodedBatch encoded, List<int> part, int chunk, IEnumerable<int> first)
    {
        var rest = new List<int>(first);
        for (var c = chunk + 1; c < encoded.Chunks.Count; c++)
        {
            rest.AddRange(RowsOf(encoded, encoded.Chunks[c], part));
        }

        work.Push(rest);
    }

    /// <summary>Outcomes of one batch so far; rows done in an earlier try are not sent again.</summary>
    private sealed class BatchProgress(SinkBatch batch)
    {
        private readonly bool[] _done = new bool[batch.Rows.Count];

        public SinkBatch Batch { get; } = batch;

        public SinkBatchResult Result { get; } = new(batch.Rows.Count);

        public List<int> Pending()
        {
            var pending = new List<int>(_done.Length);
            for (var i = 0; i < _done.Length; i++)
            {
                if (!_done[i])
                {
                    pending.Add(i);
                }
            }

            return pending;
        }

        private readonly Lock _gate = new();

        public bool IsDone(int index) => _done[index];

        public void Done(int index, RowOutcome outcome)
        {
            Result.Set(index, outcome);
            _done[index] = true;
        }

        // Partition tasks of one batch reject concurrently, and the result keeps errors in a dictionary.
        public void Reject(int index, string error)
        {
            lock (_gate)
            {
                Result.Reject(index, error);
            }

            _done[index] = true;
        }
    }
}
