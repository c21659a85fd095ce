using System.Threading.Tasks.Dataflow;
using Confluent.Kafka;
using StreamHeal.Records;
using StreamHeal.Flow;

namespace StreamHeal.Poll;

/// <summary>
/// Records polled while decode was full, in poll order. Pausing whenever decode is busy would churn: librdkafka drops
/// and refetches its prefetched messages on every pause/resume. Poll thread only.
/// </summary>
internal sealed class HoldQueue(int limit)
{
    private readonly Queue<IngestRecord> _held = new();

    public int Count => _held.Count;

    public int Limit => limit;

    /// <summary>
    /// Once this many records are held, the loop stops consuming until decode takes some: the next records then wait
    /// in librdkafka's prefetch queue (native memory bounded by queued.max.messages.kbytes) instead of as managed
    /// records that live long enough to be promoted by every collection.
    /// </summary>
    public bool IsFull => _held.Count >= limit;

    public bool IsBelowHalf => _held.Count < limit / 2;

    public IngestRecord? Oldest => _held.Count > 0 ? _held.Peek() : null;

    /// <summary>Hands a record to decode, behind any held ones, so partition order is kept.</summary>
    public void Offer(ITargetBlock<IngestRecord> decode, IngestRecord record)
    {
        if (_held.Count > 0 || !decode.Post(record))
        {
            _held.Enqueue(record);
        }
    }

    /// <summary>Moves held records into decode while it takes them.</summary>
    public void Drain(ITargetBlock<IngestRecord> decode)
    {
        while (_held.Count > 0 && decode.Post(_held.Peek()))
        {
            _held.Dequeue();
        }
    }

    /// <summary>Held records that belong to <paramref name="partitions"/>.</summary>
    public int CountOf(IReadOnlyCollection<TopicPartition> partitions)
    {
        var count = 0;
        foreach (var record in _held)
        {
            if (partitions.Contains(record.Position.TopicPartition))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Drops a partition's held records (they were never in the pipeline and are read again by its next owner).</summary>
    public void Remove(TopicPartition partition, InFlightBudget budget)
    {
        var count = _held.Count;
        for (var i = 0; i < count; i++)
        {
            var record = _held.Dequeue();
            if (record.Partition == partition.Partition.Value && record.Topic == partition.Topic)
            {
                budget.Release(record.Bytes);
            }
            else
            {
                _held.Enqueue(record);
            }
        }
    }

    /// <summary>Drops every held record; they are not committed and will be read again.</summary>
    /// <returns>How many were dropped (their offsets stay registered, so nothing is committed past them).</returns>
    public int Clear(InFlightBudget budget)
    {
        var dropped = 0;
        while (_held.TryDequeue(out var record))
        {
            budget.Release(record.Bytes);
            dropped++;
        }

        return dropped;
    }
}
