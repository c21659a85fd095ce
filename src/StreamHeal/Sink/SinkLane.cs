using System.Threading.Tasks.Dataflow;
using StreamHeal.Flow;
using StreamHeal.Records;

namespace StreamHeal.Sink;

/// <summary>
/// One lane of the sink stage: a block that writes its batches one at a time, or up to the sink's
/// <see cref="ISink.BatchesInFlightPerTable"/> at once, and the count of batches in it (queued or being written), which
/// the router bounds. The block itself is unbounded: the router decides what may wait in it, so that a lane stalled on
/// trouble of its own table takes its batches without the router, and every other table, waiting behind it.
/// </summary>
internal sealed class SinkLane
{
    private readonly ActionBlock<RowBatch<IngestRecord>> _block;
    private readonly TopicHolds? _holds;
    private readonly bool _stallsPassBound;
    private readonly int _writers;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _batches;
    private int _retrying;
    private string? _writingTopic;

    /// <param name="write">Writes a batch; told the lane, to report that it retries (<see cref="Retrying"/>).</param>
    /// <param name="stallsPassBound">
    /// True when a stalled lane (see <see cref="IsStalled"/>) takes batches past the bound: only where other tables
    /// have lanes of their own to keep flowing.
    /// </param>
    /// <param name="holds">The holds the sink places on topics; null when it places none. Read only when stalls pass the bound.</param>
    /// <param name="writers">Batches written at the same time (1: in order, one at a time).</param>
    public SinkLane(Func<RowBatch<IngestRecord>, SinkLane, Task> write, bool stallsPassBound, TopicHolds? holds, int writers, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        _stallsPassBound = stallsPassBound;
        _writers = writers;
        _holds = holds;
        _block = new ActionBlock<RowBatch<IngestRecord>>(
            async batch =>
            {
                Volatile.Write(ref _writingTopic, batch.Items[0].Topic);
                try
                {
                    await write(batch, this).ConfigureAwait(false);
                }
                finally
                {
                    // Counted down before the signal, so a router that took the old signal sees the room.
                    Interlocked.Decrement(ref _batches);
                    Signal();
                }
            },
            BlockOptions.Ordered(DataflowBlockOptions.Unbounded, writers, cancellationToken));
    }

    public Task Completion => _block.Completion;

    /// <summary>Batches waiting in the block, not counting the one being written.</summary>
    public int InputCount => _block.InputCount;

    /// <summary>Batches given to the lane and not yet written, the one being written included.</summary>
    public int Batches => Volatile.Read(ref _batches);

    /// <summary>
    /// True while a batch being written waits on trouble of its own table: a hold of its topic (a new column becoming
    /// visible, a table the destination refuses) or the destination failing its write, which is being retried.
    /// </summary>
    private bool IsStalled =>
        Volatile.Read(ref _retrying) > 0
        || (_holds is not null && Volatile.Read(ref _writingTopic) is { } topic && _holds.IsHeld(topic));

    /// <summary>A batch being written failed and is tried again; once per batch, paired with <see cref="Recovered"/>.</summary>
    public void Retrying()
    {
        if (Interlocked.Increment(ref _retrying) == 1)
        {
            Signal();
        }
    }

    /// <summary>
    /// A batch's retried call ended: the lane is bounded again for the rest of the batch (its dead letters may still
    /// wait on the DLQ, which is no trouble of this table's), unless another batch of it is still retrying.
    /// </summary>
    public void Recovered() => Interlocked.Decrement(ref _retrying);

    /// <summary>
    /// Returns once the lane has fewer than <paramref name="capacity"/> batches (plus one for each writer past the first:
    /// the capacity counts one batch being written), or is stalled and may take more, or has ended.
    /// </summary>
    public async Task WaitForRoomAsync(int capacity, CancellationToken cancellationToken)
    {
        var bound = capacity + _writers - 1;
        while (true)
        {
            // The signals are taken before the checks: a change between a check and the wait completes them.
            var changed = Volatile.Read(ref _changed).Task;
            var holdsChanged = _stallsPassBound ? _holds?.Changed : null;
            if (Batches < bound || (_stallsPassBound && IsStalled) || _block.Completion.IsCompleted)
            {
                return;
            }

            var next = holdsChanged is null ? Task.WhenAny(changed, _block.Completion) : Task.WhenAny(changed, holdsChanged, _block.Completion);
            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Gives the lane a batch (after <see cref="WaitForRoomAsync"/>); false when the lane has ended (faulted or cancelled).</summary>
    public bool Post(RowBatch<IngestRecord> batch)
    {
        // Counted before the block can write it and count it down.
        Interlocked.Increment(ref _batches);
        if (_block.Post(batch))
        {
            return true;
        }

        Interlocked.Decrement(ref _batches);
        return false;
    }

    public void Complete() => _block.Complete();

    private void Signal() =>
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
}
