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
public sealed class RecordCompletion(OffsetTracker tracker, InFlightBudget budget)
{
    public void Complete(IngestRecord record)
    {
        tracker.Complete(new TopicPartition(record.Topic, record.Partition), record.AssignmentGeneration, record.Offset);
        budget.Release(record.Bytes);
    }
}
