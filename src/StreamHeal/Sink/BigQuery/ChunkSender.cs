using Grpc.Core;
using Microsoft.Extensions.Logging;
using StreamHeal.Sink.BigQuery.Protos;
using StreamHeal.Telemetry;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// Sends rows of a batch in order, chunk by chunk, and acts on each answer as <see cref="SinkErrors.Classify(AppendRowsResponse)"/>
/// says: row errors dead-letter just the named rows and the rest are re-encoded and resent; an INVALID_ARGUMENT naming
/// no row is bisected down to single rows; ALREADY_EXISTS on a COMMITTED stream starts a <see cref="StreamEndSearch"/>;
/// transient answers surface as <see cref="SinkUnavailableException"/> for the sink stage's retry, which resumes the
/// batch through its <see cref="BatchProgress"/>. Used by one table's writer; partition tasks each pass their own
/// <see cref="PartitionStream"/>. At-least-once, the table's writer may send several batches at once: they share the
/// <c>_default</c> stream's appender, which pipelines their appends.
/// </summary>
internal sealed class ChunkSender(
    string table,
    string tablePath,
    BigQueryWriteClient client,
    ColumnGate columns,
    StreamCheckpointer? checkpoints,
    AdaptiveConcurrency concurrency,
    BigQuerySinkStats stats,
    TimeProvider timeProvider,
    ILogger logger)
{
    private readonly Lock _gate = new();
    private StreamAppender? _default;

    /// <summary>The <c>_default</c> stream's appender, once at-least-once rows were sent.</summary>
    public StreamAppender? DefaultAppender => _default;

    /// <summary>
    /// Sends <paramref name="rows"/> (indexes into the batch). <paramref name="state"/> null: the <c>_default</c>
    /// stream, no offsets. Otherwise the partition's COMMITTED stream at its next row offset.
    /// </summary>
    public async Task SendAsync(PartitionStream? state, BatchProgress progress, List<int> rows, CancellationToken cancellationToken)
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
            // Read once: a concurrent batch may widen the table's layout meanwhile, and these rows go out with this one.
            var encoder = columns.Encoder;
            var maxRowBytes = client.RowBudget(state?.Stream ?? BigQueryWriteClient.DefaultStream(tablePath), encoder.Layout);
            using var encoded = BigQueryBatchEncoder.Encode(encoder, sub, timeProvider.GetUtcNow(), maxRowBytes);
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
                var appender = await AppenderAsync(state, cancellationToken).ConfigureAwait(false);
                long? offset = state?.NextRow;
                AppendRowsResponse response;
                try
                {
                    response = await appender.AppendAsync(encoder.Layout, encoded.RowsOf(chunk), chunk.RowCount, offset, cancellationToken).ConfigureAwait(false);
                }
                catch (BigQueryStreamGoneException gone)
                {
                    StreamGone(state, progress.Batch.Rows[chunkRows[0]].Offset, gone.Message);
                    PushRemaining(work, encoded, part, c, chunkRows);
                    break;
                }

                var action = SinkErrors.Classify(response);
                switch (action)
                {
                    case SinkErrorAction.None:
                        foreach (var index in chunkRows)
                        {
                            progress.Done(index, RowOutcome.Written);
                        }

                        state?.Advance(chunk.RowCount, progress.Batch.Rows[chunkRows[^1]].Offset);
                        continue;

                    case SinkErrorAction.Reconnect or SinkErrorAction.BackOff:
                        await appender.OnTransientAsync(action).ConfigureAwait(false);
                        throw new SinkUnavailableException($"BigQuery append to {appender.StreamName} failed: {Describe(response)}");

                    case SinkErrorAction.AwaitColumns:
                        // Rows naming a column the stream does not know yet are not bad rows: wait for it, then resend.
                        await columns.WaitForColumnsAsync(progress.Batch.Topic, [.. columns.Layout.Fields.Select(f => f.Name)], cancellationToken).ConfigureAwait(false);
                        PushRemaining(work, encoded, part, c, chunkRows);
                        break;

                    case SinkErrorAction.DeadLetterRows:
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

                        stats.RecordRowErrors(table, refused.Count);
                        // Before resending: a crash now must not replay the refused rows into the offsets of good ones.
                        await CheckpointRefusalsAsync(state, cancellationToken).ConfigureAwait(false);
                        PushRemaining(work, encoded, part, c, chunkRows.Where(i => !refused.Contains(i)));
                        break;

                    case SinkErrorAction.AlreadyWritten when state is not null:
                        await FindStreamEndAsync(state, progress, chunkRows, cancellationToken).ConfigureAwait(false);
                        continue;

                    case SinkErrorAction.OffsetGap when state is not null:
                        LoseGuarantee(state, progress.Batch.Rows[chunkRows[0]].Offset, $"the stream ends before row {offset}: {response.Error.Message}");
                        PushRemaining(work, encoded, part, c, chunkRows);
                        break;

                    case SinkErrorAction.StreamFinalized when state is not null:
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

                    case SinkErrorAction.StreamGone:
                        StreamGone(state, progress.Batch.Rows[chunkRows[0]].Offset, $"NotFound: {response.Error.Message}");
                        PushRemaining(work, encoded, part, c, chunkRows);
                        break;

                    case SinkErrorAction.Bisect when chunkRows.Count == 1:
                        progress.Reject(chunkRows[0], $"BigQuery refused the row: {response.Error.Message}");
                        state?.AddRejected(progress.Batch.Rows[chunkRows[0]].Offset);
                        await CheckpointRefusalsAsync(state, cancellationToken).ConfigureAwait(false);
                        continue;

                    case SinkErrorAction.Bisect:
                        // No row errors to say which rows: split until the refusal names single rows.
                        stats.RecordBisection();
                        var half = chunkRows.Count / 2;
                        PushRemaining(work, encoded, part, c, []);
                        work.Push(chunkRows.GetRange(half, chunkRows.Count - half));
                        work.Push(chunkRows.GetRange(0, half));
                        break;

                    default:
                        throw new BigQueryTableUnavailableException((StatusCode)response.Error.Code == StatusCode.PermissionDenied
                            ? $"BigQuery refused appends to {appender.StreamName} (PermissionDenied: {response.Error.Message}). Grant the service account roles/bigquery.dataEditor on the dataset."
                            : $"BigQuery refused an append to table {tablePath}: {Describe(response)}");
                }

                break;
            }
        }
    }

    /// <summary>The appender for the target; a partition without a stream gets a new one, checkpointed before any row goes to it.</summary>
    public async Task<StreamAppender> AppenderAsync(PartitionStream? state, CancellationToken cancellationToken)
    {
        if (state is null)
        {
            lock (_gate)
            {
                return _default ??= new StreamAppender(client, table, BigQueryWriteClient.DefaultStream(tablePath), columns.Layout, concurrency, stats);
            }
        }

        if (state.Stream is null)
        {
            var created = await client.CreateCommittedStreamAsync(tablePath, cancellationToken).ConfigureAwait(false);
            state.StartStream(created.Name);
            // A replay (here or on the member that takes the partition next) must find rows in this stream, and a
            // member that lost the partition must learn it before it writes rows nobody else would look for.
            await checkpoints!.WriteAsync(state, readBack: true, cancellationToken).ConfigureAwait(false);
        }

        if (state.Appender is null || state.Appender.StreamName != state.Stream)
        {
            if (state.Appender is { } old)
            {
                await old.DisposeAsync().ConfigureAwait(false);
            }

            state.Appender = new StreamAppender(client, table, state.Stream!, columns.Layout, concurrency, stats);
        }

        return state.Appender;
    }

    public Task CheckpointAsync(PartitionStream? state, CancellationToken cancellationToken) =>
        state is null ? Task.CompletedTask : checkpoints!.WriteAsync(state, readBack: false, cancellationToken);

    /// <summary>
    /// Records rows BigQuery refused before the rest of their chunk is resent without them. Read back: those rows shift
    /// the stream's row offsets, and an owner that claimed the partition before this record resumes from a state
    /// without the refusal. A member that has not fetched that claim yet would resend anyway, and the owner, counting
    /// its rows against the stream's end, would write one twice and take the refused row for written.
    /// </summary>
    private Task CheckpointRefusalsAsync(PartitionStream? state, CancellationToken cancellationToken) =>
        state is null ? Task.CompletedTask : checkpoints!.WriteAsync(state, readBack: true, cancellationToken);

    /// <summary>A replay hit rows the stream already holds: find its end by resending suffixes (see <see cref="StreamEndSearch"/>).</summary>
    private async Task FindStreamEndAsync(PartitionStream state, BatchProgress progress, List<int> rows, CancellationToken cancellationToken)
    {
        stats.RecordSuffixSearch();
        var start = state.NextRow;
        var end = await StreamEndSearch.FindAsync(rows.Count, async k =>
        {
            var suffix = rows.GetRange(k, rows.Count - k);
            var sub = progress.Batch with { Rows = suffix.ConvertAll(i => progress.Batch.Rows[i]) };
            var encoder = columns.Encoder;
            using var encoded = BigQueryBatchEncoder.Encode(encoder, sub, timeProvider.GetUtcNow(), int.MaxValue / 2);
            var appender = await AppenderAsync(state, cancellationToken).ConfigureAwait(false);
            var response = await appender.AppendAsync(encoder.Layout, encoded.RowsOf(encoded.Chunks[0]), encoded.Chunks[0].RowCount, start + k, cancellationToken).ConfigureAwait(false);
            return SinkErrors.Classify(response);
        }).ConfigureAwait(false);

        switch (end.Kind)
        {
            case StreamEndKind.Appended or StreamEndKind.AllHeld:
                for (var i = 0; i < rows.Count; i++)
                {
                    progress.Done(rows[i], i < end.Held ? RowOutcome.AlreadyWritten : RowOutcome.Written);
                }

                state.Advance(rows.Count, progress.Batch.Rows[rows[^1]].Offset);
                if (end.Kind == StreamEndKind.Appended)
                {
                    Log.BigQueryStreamEndFound(logger, table, state.Partition, start + end.Held, end.Held, rows.Count - end.Held);
                }

                return;
            case StreamEndKind.Inconsistent:
                throw new SinkUnavailableException($"Stream {state.Stream} answered inconsistently while its end was searched between rows {start} and {start + rows.Count}.");
            default:
                if (SinkErrors.IsTransient(end.Failure))
                {
                    await state.Appender!.OnTransientAsync(end.Failure).ConfigureAwait(false);
                }

                throw new SinkUnavailableException($"Finding the end of stream {state.Stream} failed: {end.Failure}.");
        }
    }

    private void StreamGone(PartitionStream? state, long fromOffset, string why)
    {
        if (state is null)
        {
            throw new BigQueryTableUnavailableException($"Table {tablePath} has no _default stream ({why}). Does the table exist? With sink.bigquery.autoCreateTables off it must be created first.");
        }

        LoseGuarantee(state, fromOffset, why);
    }

    private void LoseGuarantee(PartitionStream state, long fromOffset, string why)
    {
        stats.RecordGuaranteeLoss(table);
        Log.BigQueryGuaranteeLost(logger, table, state.Partition, state.Stream ?? "", fromOffset, why);
        state.StartStream(null);
    }

    private static string Describe(AppendRowsResponse response) => $"{(StatusCode)response.Error.Code}: {response.Error.Message}";

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
}
