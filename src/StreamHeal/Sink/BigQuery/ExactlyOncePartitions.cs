using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StreamHeal.Sink.BigQuery.Checkpoints;
using StreamHeal.Telemetry;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// Exactly-once writes of one table: each Kafka partition's rows go, in offset order, to the partition's own COMMITTED
/// stream at explicit row offsets, and where each stream stands is checkpointed under this member's epoch.
/// <para>
/// Threads: one batch at a time; within it one task per partition, each touching only its own
/// <see cref="PartitionStream"/>. Every partition's state is made before any task starts, and the map is concurrent
/// because the column gate enumerates the appenders from inside a task.
/// </para>
/// </summary>
internal sealed class ExactlyOncePartitions(string table, ChunkSender sender, StreamCheckpointer checkpoints, BigQuerySinkStats stats, ILogger logger)
{
    private readonly ConcurrentDictionary<int, PartitionStream> _partitions = new();
    private readonly Lock _staleGate = new();
    private readonly HashSet<int> _stale = [];

    public IEnumerable<StreamAppender> Appenders => _partitions.Values.Select(static p => p.Appender).OfType<StreamAppender>();

    /// <summary>These partitions were (re)assigned: they are claimed again (checkpoint read, next epoch) before the next write.</summary>
    public void MarkStale(IReadOnlyList<int> partitions)
    {
        lock (_staleGate)
        {
            _stale.UnionWith(partitions);
        }
    }

    /// <summary>
    /// Every row of the batch is looked at again on a retry, not just the ones an earlier try left pending: what counts
    /// is the partition's stream position. Rows an earlier try appended are below <see cref="PartitionStream.NextKafka"/>
    /// and skipped; if the partition was claimed again meanwhile, they are resent from the checkpoint and the stream's
    /// end is found by suffix search, so the rows sent always start where the checkpoint says.
    /// </summary>
    /// <param name="doneBelow">This try's <see cref="SinkBatch.DoneBelow"/>: the progress keeps the first try's batch.</param>
    public async Task WriteAsync(BatchProgress progress, Func<int, long?>? doneBelow, CancellationToken cancellationToken)
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

        // Rows of a partition this member no longer holds are left to its owner, unclaimed: a late batch of a member
        // whose revoke timed out would otherwise claim the stream from under the owner and fence it.
        foreach (var partition in byPartition.Keys.Where(p => !Holds(doneBelow, p)).ToList())
        {
            GiveUp(progress, byPartition[partition]);
            byPartition.Remove(partition);
        }

        await ClaimAsync([.. byPartition.Keys], cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(byPartition.Select(p => WritePartitionAsync(_partitions[p.Key], progress, p.Value, doneBelow, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether this member still holds the partition the rows came from: the tracker knows where its records are done
    /// only while it is assigned here. Without the tracker's answer (a sink used alone) it is taken as held.
    /// </summary>
    private static bool Holds(Func<int, long?>? doneBelow, int partition) => doneBelow is null || doneBelow(partition) is not null;

    public async ValueTask DisposeAsync()
    {
        foreach (var partition in _partitions.Values)
        {
            if (partition.Appender is { } appender)
            {
                await appender.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Claims, in one round trip, every partition of the batch that is new here or was reassigned.</summary>
    private async Task ClaimAsync(List<int> partitions, CancellationToken cancellationToken)
    {
        List<int> toClaim;
        lock (_staleGate)
        {
            toClaim = partitions.FindAll(p => _stale.Remove(p) || !_partitions.ContainsKey(p));
        }

        if (toClaim.Count == 0)
        {
            return;
        }

        IReadOnlyDictionary<int, CheckpointClaim> claims;
        try
        {
            claims = await checkpoints.ClaimAsync(toClaim, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            MarkStale(toClaim); // Claimed at the next try.
            throw;
        }

        foreach (var partition in toClaim)
        {
            var claim = claims[partition];
            if (_partitions.TryGetValue(partition, out var old) && old.Appender is { } appender)
            {
                await appender.DisposeAsync().ConfigureAwait(false);
            }

            if (claim.Unreadable is { } unreadable)
            {
                stats.RecordUnreadableCheckpoint();
                stats.RecordGuaranteeLoss(table);
                Log.BigQueryCheckpointUnreadable(logger, table, partition, unreadable);
            }

            var checkpoint = claim.Checkpoint;
            var state = new PartitionStream(partition, checkpoint, claim.Epoch) { Fenced = claim.Fenced };
            _partitions[partition] = state;
            if (claim.Fenced)
            {
                stats.RecordFencedPartition();
                Log.BigQueryPartitionFenced(logger, table, partition, "another member claimed it at the same time");
                continue;
            }

            Log.BigQueryPartitionResumed(logger, table, partition, checkpoint?.Stream is { Length: > 0 } stream ? stream : "(new stream)", checkpoint?.NextRow ?? 0, checkpoint?.NextKafka ?? -1);
        }
    }

    private async Task WritePartitionAsync(
        PartitionStream state, BatchProgress progress, List<int> rows, Func<int, long?>? doneBelow, CancellationToken cancellationToken)
    {
        var batch = progress.Batch;
        if (state.Fenced)
        {
            GiveUpOrClaimAgain(state, progress, rows, doneBelow);
            return;
        }

        // Asked at every try: the records may have become done while an earlier try waited.
        if (doneBelow?.Invoke(state.Partition) is { } done)
        {
            state.ForgetRejectedBelow(done);
        }

        if (state.RejectedCount >= StreamCheckpoint.MaxRejected)
        {
            // Forgetting one would let a replay report its row as written while its dead letter may not exist yet.
            // Nothing of this partition is sent; the batch is tried again once the DLQ has acknowledged more of them.
            throw new SinkUnavailableException(
                $"BigQuery table {table} partition {state.Partition}: {state.RejectedCount:N0} rows BigQuery refused still wait for their dead letters to be acknowledged; the partition's writes wait for the DLQ (at most {StreamCheckpoint.MaxRejected:N0} are kept).");
        }

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

        try
        {
            if (toSend.Count > 0)
            {
                await sender.SendAsync(state, progress, toSend, cancellationToken).ConfigureAwait(false);
            }

            // Always, even when nothing moved: an earlier try may have appended this batch's rows and died before this.
            state.NextKafka = Math.Max(state.NextKafka, lastOffset + 1);
            await sender.CheckpointAsync(state, cancellationToken).ConfigureAwait(false);
        }
        catch (PartitionFencedException fenced)
        {
            state.Fenced = true;
            stats.RecordFencedPartition();
            Log.BigQueryPartitionFenced(logger, table, state.Partition, fenced.Message);
            GiveUpOrClaimAgain(state, progress, rows, doneBelow);
        }
    }

    /// <summary>
    /// A fenced partition's rows: another member's once this one no longer holds the partition. While it still does,
    /// the claim that fenced it came from a member that had lost the partition; marking the rows written would commit
    /// them unwritten, so the partition is claimed again (a higher epoch, from the newest checkpoint) and the batch
    /// retried.
    /// </summary>
    private void GiveUpOrClaimAgain(PartitionStream state, BatchProgress progress, List<int> rows, Func<int, long?>? doneBelow)
    {
        // Without the tracker's answer (a sink used alone) the fence is what says who holds the partition.
        if (doneBelow is null || !Holds(doneBelow, state.Partition))
        {
            GiveUp(progress, rows);
            return;
        }

        MarkStale([state.Partition]);
        throw new SinkUnavailableException(
            $"BigQuery table {table} partition {state.Partition}: fenced by a claim of another member while this one still holds the partition; it is claimed again and the batch retried.");
    }

    /// <summary>
    /// The partition belongs to another member, which writes these rows from its own checkpoint: they are neither
    /// this member's to write nor dead letters. They complete as already written; their offsets cannot be committed by
    /// a member that no longer holds the partition, and if it is assigned here again it is claimed afresh.
    /// </summary>
    private static void GiveUp(BatchProgress progress, List<int> rows)
    {
        foreach (var index in rows)
        {
            if (!progress.IsDone(index))
            {
                progress.Done(index, RowOutcome.AlreadyWritten);
            }
        }
    }
}
