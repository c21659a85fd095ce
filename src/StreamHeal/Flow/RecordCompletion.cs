using System.Buffers;
using Confluent.Kafka;
using StreamHeal.Offsets;
using StreamHeal.Records;

namespace StreamHeal.Flow;

/// <summary>
/// The single place a record becomes done: its offset completes in the tracker (so the committed watermark can
/// pass it) and its bytes return to the in-flight budget. Called when the sink confirmed its row, when the DLQ
/// broker acknowledged it, or when it needed no row (a tombstone). A record of a partition this member no longer
/// owns completes nothing in the tracker (it ignores the stale generation) but still frees its budget.
/// </summary>
/// <param name="values">Where the done records' value arrays go back to; null keeps them (unit tests, values not from the pool).</param>
public sealed class RecordCompletion(OffsetTracker tracker, InFlightBudget budget, ValuePool? values = null)
{
    /// <summary>The offset below which every record of the partition is done under its current assignment; null when unknown (not assigned here, or nothing polled yet).</summary>
    public long? DoneBelow(string topic, int partition) => tracker.CommittableOffset(new TopicPartition(topic, partition));

    /// <summary>
    /// True when the record's partition was assigned here again since it was polled (the watchdog's new consumer, an
    /// offset reset backward): the new assignment reads it again from the committed offset, which is below it.
    /// </summary>
    public bool IsSuperseded(IngestRecord record) =>
        tracker.IsSuperseded(new TopicPartition(record.Topic, record.Partition), record.AssignmentGeneration);

    public void Complete(IngestRecord record) => Complete(new ReadOnlySpan<IngestRecord>(in record));

    /// <summary>
    /// Completes <paramref name="records"/> a run at a time: consecutive records of one partition and assignment (a sink
    /// batch's rows mostly come so) cost one tracker lookup and lock and one budget update, not one each.
    /// </summary>
    public void Complete(ReadOnlySpan<IngestRecord> records)
    {
        if (records.IsEmpty)
        {
            return;
        }

        // One record (a dead letter, a tombstone) needs no rented array.
        var rented = records.Length > 1 ? ArrayPool<long>.Shared.Rent(records.Length) : null;
        Span<long> offsets = rented ?? stackalloc long[1];
        try
        {
            var start = 0;
            while (start < records.Length)
            {
                var first = records[start];
                long bytes = 0;
                var end = start;
                while (end < records.Length && records[end] is var record
                       && record.Partition == first.Partition && record.AssignmentGeneration == first.AssignmentGeneration
                       && string.Equals(record.Topic, first.Topic, StringComparison.Ordinal))
                {
                    offsets[end - start] = record.Offset;
                    bytes += record.Bytes;
                    end++;
                }

                tracker.Complete(new TopicPartition(first.Topic, first.Partition), first.AssignmentGeneration, offsets[..(end - start)]);
                budget.Release(bytes, end - start);
                if (values is not null)
                {
                    for (var i = start; i < end; i++)
                    {
                        records[i].ReturnValue(values);
                    }
                }

                start = end;
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<long>.Shared.Return(rented);
            }
        }
    }
}
