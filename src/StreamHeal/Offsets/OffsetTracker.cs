using System.Collections.Concurrent;
using Confluent.Kafka;

namespace StreamHeal.Offsets;

/// <summary>
/// Offset tracking for every partition assigned to this consumer. Each assignment gets a generation number,
/// so records of a revoked partition that finish later can never move the offset of a later assignment.
/// Thread-safe.
/// </summary>
public sealed class OffsetTracker
{
    private readonly ConcurrentDictionary<TopicPartition, Assignment> _partitions = new();
    private long _generation;
    private long _staleCompletions;
    private readonly object _completed = new();
    private int _waiters;

    /// <summary>Completions ignored because their partition was revoked or re-assigned since they were polled.</summary>
    public long StaleCompletions => Interlocked.Read(ref _staleCompletions);

    public int TotalPending
    {
        get
        {
            var total = 0;
            foreach (var (_, assignment) in _partitions)
            {
                total += assignment.Offsets.Pending;
            }

            return total;
        }
    }

    /// <summary>Starts tracking a partition; a previous assignment of it, if any, is closed.</summary>
    /// <returns>The assignment's generation, unique and increasing across this tracker.</returns>
    public long Assign(TopicPartition tp)
    {
        var assignment = new Assignment(Interlocked.Increment(ref _generation), new PartitionOffsetTracker());
        Assignment? previous = null;
        _partitions.AddOrUpdate(tp, assignment, (_, old) =>
        {
            previous = old;
            return assignment;
        });
        previous?.Offsets.Close();
        return assignment.Generation;
    }

    /// <summary>Registers a polled offset (see <see cref="PartitionOffsetTracker.Register"/>).</summary>
    /// <returns>False, registering nothing, when the partition is not assigned under <paramref name="generation"/>.</returns>
    public bool Register(TopicPartition tp, long generation, long offset)
    {
        if (!TryGet(tp, generation, out var offsets))
        {
            return false;
        }

        offsets.Register(offset);
        return true;
    }

    /// <summary>Marks an offset complete; ignored and counted in <see cref="StaleCompletions"/> when the assignment has ended.</summary>
    /// <returns>True when the completion was applied.</returns>
    public bool Complete(TopicPartition tp, long generation, long offset) => Complete(tp, generation, new ReadOnlySpan<long>(in offset)) == 1;

    /// <summary>
    /// Marks offsets of one partition complete with one lookup and one lock; those of an assignment that has ended are
    /// ignored and counted in <see cref="StaleCompletions"/>.
    /// </summary>
    /// <returns>How many completions were applied.</returns>
    public int Complete(TopicPartition tp, long generation, ReadOnlySpan<long> offsets)
    {
        var completed = TryGet(tp, generation, out var tracker) ? tracker.Complete(offsets) : 0;
        if (completed > 0 && Volatile.Read(ref _waiters) > 0)
        {
            lock (_completed)
            {
                Monitor.PulseAll(_completed);
            }
        }

        // A revoke can close the tracker between the lookup and the completion.
        if (completed < offsets.Length && (tracker is null || tracker.IsClosed))
        {
            Interlocked.Add(ref _staleCompletions, offsets.Length - completed);
        }

        return completed;
    }

    /// <summary>
    /// Blocks until some offset completes or <paramref name="max"/> passes, whichever is first. For the rebalance
    /// callback, which runs on the poll thread and cannot await; callers re-check what they wait for after it returns.
    /// </summary>
    public void WaitForCompletion(TimeSpan max)
    {
        Interlocked.Increment(ref _waiters);
        try
        {
            lock (_completed)
            {
                Monitor.Wait(_completed, max);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }

    /// <summary>True when <paramref name="generation"/> is the partition's current assignment.</summary>
    public bool IsCurrent(TopicPartition tp, long generation) => TryGet(tp, generation, out _);

    /// <summary>True when the partition is tracked under a later assignment than <paramref name="generation"/>.</summary>
    public bool IsSuperseded(TopicPartition tp, long generation) =>
        _partitions.TryGetValue(tp, out var assignment) && assignment.Generation != generation;

    /// <summary>True once per advance of the partition's committable offset.</summary>
    public bool TryTakeAdvanced(TopicPartition tp, out long offset)
    {
        offset = 0;
        return _partitions.TryGetValue(tp, out var assignment) && assignment.Offsets.TryTakeAdvanced(out offset);
    }

    /// <summary>A taken offset that could not be stored: taken again at the next check, even if nothing advanced.</summary>
    public void ReturnTaken(TopicPartition tp, long offset)
    {
        if (_partitions.TryGetValue(tp, out var assignment))
        {
            assignment.Offsets.ReturnTaken(offset);
        }
    }

    /// <summary>The committable offset of every assigned partition that has registered something.</summary>
    public IReadOnlyList<TopicPartitionOffset> CommittableOffsets()
    {
        var result = new List<TopicPartitionOffset>(_partitions.Count);
        foreach (var (tp, assignment) in _partitions)
        {
            if (assignment.Offsets.CommittableOffset is { } offset)
            {
                result.Add(new TopicPartitionOffset(tp, new Offset(offset)));
            }
        }

        return result;
    }

    /// <summary>Stops tracking a partition.</summary>
    /// <returns>The offset to commit for it, or null when it was not assigned or registered nothing.</returns>
    public long? Revoke(TopicPartition tp) =>
        _partitions.TryRemove(tp, out var assignment) ? assignment.Offsets.Close() : null;

    /// <summary>
    /// Stops tracking the partition's assignment <paramref name="generation"/> only: a consumer whose close was
    /// abandoned (the watchdog replaced it) may revoke late, when the partition is already tracked for its successor.
    /// </summary>
    /// <returns>The offset to commit for it, or null when that assignment is not tracked or registered nothing.</returns>
    public long? Revoke(TopicPartition tp, long generation) =>
        _partitions.TryGetValue(tp, out var assignment) && assignment.Generation == generation
        && _partitions.TryRemove(new KeyValuePair<TopicPartition, Assignment>(tp, assignment))
            ? assignment.Offsets.Close()
            : null;

    /// <summary>The partition's committable offset, or null when it is not assigned or registered nothing.</summary>
    public long? CommittableOffset(TopicPartition tp) =>
        _partitions.TryGetValue(tp, out var assignment) ? assignment.Offsets.CommittableOffset : null;

    public int Pending(TopicPartition tp) =>
        _partitions.TryGetValue(tp, out var assignment) ? assignment.Offsets.Pending : 0;

    private bool TryGet(TopicPartition tp, long generation, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PartitionOffsetTracker? offsets)
    {
        offsets = _partitions.TryGetValue(tp, out var assignment) && assignment.Generation == generation ? assignment.Offsets : null;
        return offsets is not null;
    }

    private sealed record Assignment(long Generation, PartitionOffsetTracker Offsets);
}
