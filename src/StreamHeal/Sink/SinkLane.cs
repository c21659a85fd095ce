using System.Threading.Tasks.Dataflow;
using StreamHeal.Flow;
using StreamHeal.Records;

namespace StreamHeal.Sink;

/// <summary>
/// One lane of the sink stage: an ordered block that writes one batch at a time, and the count of batches in it
/// (queued or being written), which the router bounds. The block itself is unbounded: the router decides what may wait
/// in it, so that a lane whose table is held takes its batches without the router, and every other table, waiting
/// behind it.
/// </summary>
internal sealed class SinkLane
{
    private readonly ActionBlock<RowBatch<IngestRecord>> _block;
    private TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _batches;
    private string? _writingTopic;

    public SinkLane(Func<RowBatch<IngestRecord>, Task> write, CancellationToken cancellationToken)
    {
        _block = new ActionBlock<RowBatch<IngestRecord>>(
            async batch =>
            {
                Volatile.Write(ref _writingTopic, batch.Items[0].Topic);
                try
                {
                    await write(batch).ConfigureAwait(false);
                }
                finally
                {
                    // Counted down before the signal, so a router that saw the old signal sees the room.
                    Interlocked.Decrement(ref _batches);
                    Interlocked.Exchange(ref _written, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
                }
            },
            BlockOptions.Ordered(DataflowBlockOptions.Unbounded, 1, cancellationToken));
    }

    public Task Completion => _block.Completion;

    /// <summary>Batches waiting in the block, not counting the one being written.</summary>
    public int InputCount => _block.InputCount;

    /// <summary>Batches given to the lane and not yet written, the one being written included.</summary>
    public int Batches => Volatile.Read(ref _batches);

    /// <summary>True when the batch being written waits on a hold of its topic (a new column, a refused table).</summary>
    public bool IsHeld(TopicHolds? holds) => holds is not null && Volatile.Read(ref _writingTopic) is { } topic && holds.IsHeld(topic);

    /// <summary>
    /// Returns once the lane has fewer than <paramref name="capacity"/> batches, or the batch it writes is held (see
    /// <paramref name="holds"/>; null when holds must not lift the bound), or the lane has ended.
    /// </summary>
    public async Task WaitForRoomAsync(int capacity, TopicHolds? holds, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Both signals are taken before the checks: a change between a check and the wait completes them.
            var written = Volatile.Read(ref _written).Task;
            var changed = holds?.Changed;
            if (Batches < capacity || IsHeld(holds) || _block.Completion.IsCompleted)
            {
                return;
            }

            var next = changed is null ? Task.WhenAny(written, _block.Completion) : Task.WhenAny(written, changed, _block.Completion);
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
}
