using System.Threading.Tasks.Dataflow;
using Confluent.Kafka;
using StreamHeal.Records;
using StreamHeal.Flow;

namespace StreamHeal.Poll;

/// <summary>
/// Records polled and not yet taken by decode, in poll order, gathered into per-partition chunks: consecutive records
/// of one partition join the newest chunk until it is full. Every record passes through here, so decode gets whole
/// chunks; the loop hands them over after each burst of polls. Keeping records here while decode is full, instead of
/// pausing at once, avoids churn: librdkafka drops and refetches its prefetched messages on every pause/resume. Poll
/// thread only.
/// </summary>
internal sealed class HoldQueue(int limit)
{
    private readonly Queue<RecordChunk> _chunks = new();
    private RecordChunk? _newest;

    /// <summary>Records held.</summary>
    public int Count { get; private set; }

    public int Limit => limit;

    /// <summary>
    /// Once this many records are held, the loop stops consuming until decode takes some: the next records then wait
    /// in librdkafka's prefetch queue (native memory bounded by queued.max.messages.kbytes) instead of as managed
    /// records that live long enough to be promoted by every collection.
    /// </summary>
    public bool IsFull => Count >= limit;

    public bool IsBelowHalf => Count < limit / 2;

    public IngestRecord? Oldest => _chunks.Count > 0 ? _chunks.Peek().First : null;

    /// <summary>Holds a record behind the ones already held, so partition order is kept.</summary>
    public void Add(IngestRecord record)
    {
        if (_newest is { } open && open.Accepts(record))
        {
            open.Add(record);
        }
        else
        {
            _newest = new RecordChunk(record);
            _chunks.Enqueue(_newest);
        }

        Count++;
    }

    /// <summary>Moves held chunks into decode while it takes them.</summary>
    public void Drain(ITargetBlock<RecordChunk> decode)
    {
        while (_chunks.Count > 0 && decode.Post(_chunks.Peek()))
        {
            Taken(_chunks.Dequeue());
        }
    }

    /// <summary>Held records that belong to <paramref name="partitions"/>.</summary>
    public int CountOf(IReadOnlyCollection<TopicPartition> partitions)
    {
        var count = 0;
        foreach (var chunk in _chunks)
        {
            if (partitions.Contains(new TopicPartition(chunk.Topic, chunk.Partition)))
            {
                count += chunk.Count;
            }
        }

        return count;
    }

    /// <summary>Drops a partition's held records (they were never in the pipeline and are read again by its next owner).</summary>
    public void Remove(TopicPartition partition, InFlightBudget budget)
    {
        var chunks = _chunks.Count;
        for (var i = 0; i < chunks; i++)
        {
            var chunk = _chunks.Dequeue();
            if (chunk.Partition == partition.Partition.Value && chunk.Topic == partition.Topic)
            {
                Release(chunk, budget);
                Taken(chunk);
            }
            else
            {
                _chunks.Enqueue(chunk);
            }
        }
    }

    /// <summary>Drops every held record; they are not committed and will be read again.</summary>
    /// <returns>How many were dropped (their offsets stay registered, so nothing is committed past them).</returns>
    public int Clear(InFlightBudget budget)
    {
        var dropped = Count;
        while (_chunks.TryDequeue(out var chunk))
        {
            Release(chunk, budget);
            Taken(chunk);
        }

        return dropped;
    }

    // A chunk that left the queue takes no more records: decode may be working on it already.
    private void Taken(RecordChunk chunk)
    {
        Count -= chunk.Count;
        if (ReferenceEquals(chunk, _newest))
        {
            _newest = null;
        }
    }

    private static void Release(RecordChunk chunk, InFlightBudget budget)
    {
        for (var i = 0; i < chunk.Count; i++)
        {
            budget.Release(chunk[i].Bytes);
        }
    }
}
