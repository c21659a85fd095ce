using System.Threading.Tasks.Dataflow;
using StreamHeal.Records;
using StreamHeal.Flow;

namespace StreamHeal.Batch;

/// <summary>
/// Batch: takes chunks of rows and groups the rows per destination table and emits a batch when it is full by count or bytes, or when its
/// oldest row has waited the linger time. Dataflow's BatchBlock never flushes a partial batch on its own, so time is
/// driven here by a timer from the injected <see cref="TimeProvider"/> that posts a tick (a null item) into the block.
/// </summary>
internal sealed class BatchStage : IAsyncDisposable
{
    private readonly Batcher<IngestRecord> _batcher;
    private readonly TimeProvider _timeProvider;
    private readonly ActionBlock<RecordChunk?> _input;
    private readonly BufferBlock<RowBatch<IngestRecord>> _output;
    private readonly ITimer _timer;
    private readonly Task _completion;
    private DateTimeOffset? _armed;

    public BatchStage(BatchOptions options, TimeProvider timeProvider, int capacity, CancellationToken cancellationToken)
    {
        _batcher = new Batcher<IngestRecord>(options);
        _timeProvider = timeProvider;
        _output = new BufferBlock<RowBatch<IngestRecord>>(new DataflowBlockOptions
        {
            BoundedCapacity = 1,
            EnsureOrdered = true,
            CancellationToken = cancellationToken,
        });
        _input = new ActionBlock<RecordChunk?>(
            OnItemAsync,
            BlockOptions.Ordered(capacity, 1, cancellationToken));
        _timer = timeProvider.CreateTimer(static state => ((ActionBlock<RecordChunk?>)state!).Post(null), _input, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _completion = CompleteOutputAsync();
    }

    public ITargetBlock<RecordChunk?> Target => _input;

    public ISourceBlock<RowBatch<IngestRecord>> Source => _output;

    /// <summary>Rows waiting in open batches.</summary>
    public int PendingRows => _batcher.PendingItems;

    private async Task OnItemAsync(RecordChunk? chunk)
    {
        var now = _timeProvider.GetUtcNow();
        if (chunk is null)
        {
            _armed = null; // a tick: the one-shot timer has fired
        }
        else
        {
            for (var i = 0; i < chunk.Count; i++)
            {
                var record = chunk[i];
                foreach (var full in _batcher.Add(record.Table, record, record.Bytes, now))
                {
                    await _output.SendAsync(full);
                }
            }
        }

        foreach (var due in _batcher.TakeDue(now))
        {
            await _output.SendAsync(due);
        }

        // Re-armed only when the earliest deadline changes: re-arming takes the timer queue's lock, and rows arrive by
        // the hundred thousand per second.
        var deadline = _batcher.NextDeadline;
        if (deadline != _armed)
        {
            _armed = deadline;
            _timer.Change(deadline is { } d ? Max(d - now, TimeSpan.FromMilliseconds(1)) : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task CompleteOutputAsync()
    {
        try
        {
            await _input.Completion;
            foreach (var rest in _batcher.TakeAll())
            {
                await _output.SendAsync(rest);
            }

            _output.Complete();
        }
#pragma warning disable CA1031 // The failure is handed on through the output block's completion.
        catch (Exception e)
#pragma warning restore CA1031
        {
            ((IDataflowBlock)_output).Fault(e);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();
    }
}
