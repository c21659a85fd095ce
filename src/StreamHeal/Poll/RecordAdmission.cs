using Confluent.Kafka;
using StreamHeal.Offsets;
using StreamHeal.Records;
using StreamHeal.Telemetry;
using StreamHeal.Flow;

namespace StreamHeal.Poll;

/// <summary>
/// The one way a polled record enters the pipeline: its offset is registered with the tracker, it is charged to the
/// in-flight budget and held, in order, for decode. A record that librdkafka could not read enters the same
/// way, already marked for the DLQ. Poll thread only.
/// </summary>
internal sealed class RecordAdmission(
    HoldQueue held, PartitionPositions positions, OffsetTracker tracker, InFlightBudget budget,
    PipelineMetrics metrics, KafkaConditions conditions)
{
    public void Accept(ConsumeResult<byte[]?, byte[]?> result)
    {
        var partition = result.TopicPartition;
        conditions.MessageArrived(partition);
        if (!positions.TryGetGeneration(partition, out var generation))
        {
            return; // A message of a partition that was just revoked; the next owner reads it.
        }

        if (positions.TryGetLastPolled(partition, out var last) && result.Offset.Value <= last)
        {
            return; // Already admitted under this assignment (its offset is registered); offsets must strictly increase.
        }

        Admit(partition, generation, new IngestRecord
        {
            Topic = result.Topic,
            Partition = partition.Partition.Value,
            Offset = result.Offset.Value,
            Timestamp = result.Message.Timestamp.UtcDateTime,
            Key = result.Message.Key,
            Value = result.Message.Value,
            Headers = result.Message.Headers,
            AssignmentGeneration = generation,
        });
    }

    /// <summary>
    /// A message librdkafka delivered with an error about its own bytes (see <see cref="Kafka.ConsumeErrorAction.DeadLetter"/>):
    /// it still has an offset, so it is registered and sent to the DLQ with what is known. A position this member has
    /// already passed is ignored.
    /// </summary>
    /// <returns>False when nothing was admitted.</returns>
    public bool AcceptUnreadable(ConsumeException e)
    {
        var position = e.ConsumerRecord?.TopicPartitionOffset;
        if (position is null || position.Offset.Value < 0 || !positions.TryGetGeneration(position.TopicPartition, out var generation)
            || (positions.TryGetLastPolled(position.TopicPartition, out var last) && position.Offset.Value <= last))
        {
            return false;
        }

        var message = e.ConsumerRecord!.Message;
        var record = new IngestRecord
        {
            Topic = position.Topic,
            Partition = position.Partition.Value,
            Offset = position.Offset.Value,
            Timestamp = message?.Timestamp.UtcDateTime ?? DateTime.UnixEpoch,
            Key = message?.Key,
            Value = IsErrorText(message?.Value, e.Error) ? null : message?.Value,
            Headers = message?.Headers,
            AssignmentGeneration = generation,
        };
        record.Fail(new DeadLetterReason("consume_error", $"{e.Error.Code}: {e.Error.Reason}", "poll"));
        Admit(position.TopicPartition, generation, record);
        return true;
    }

    /// <summary>
    /// The client's position passed offsets that hold no record for us: transaction markers, and the records of
    /// aborted transactions. The client hands those over in order with the records, so everything below
    /// <paramref name="position"/> was delivered. The last passed offset is registered and completed at once, so the
    /// committed offset reaches the end of a transactional partition instead of stopping at its last marker (which
    /// would read as lag 1 for ever, and as a stall to the watchdog).
    /// </summary>
    /// <returns>False when the position is not past the next offset this member expects.</returns>
    /// <remarks>
    /// Only once this assignment has polled something: right after an assignment (a rebalance, an offset reset back)
    /// the client can still report the previous assignment's position until its own thread stops the old fetch, and
    /// passing to that would take the records read again for already admitted.
    /// </remarks>
    public bool PassTo(TopicPartition partition, long position)
    {
        if (!positions.TryGetGeneration(partition, out var generation) || !positions.TryGetLastPolled(partition, out var last))
        {
            return false;
        }

        if (position <= last + 1)
        {
            return false;
        }

        tracker.Register(partition, generation, position - 1);
        tracker.Complete(partition, generation, position - 1);
        positions.Passed(partition, position - 1);
        return true;
    }

    // For an error message librdkafka's payload is its error text, not the record's bytes.
    private static bool IsErrorText(byte[]? value, Error error) =>
        value is not null && error.Reason.Length > 0 && System.Text.Encoding.UTF8.GetString(value) == error.Reason;

    private void Admit(TopicPartition partition, long generation, IngestRecord record)
    {
        tracker.Register(partition, generation, record.Offset);
        positions.Polled(partition, record.Offset, record.Timestamp);
        budget.Admit(record.Bytes);
        metrics.RecordPolled(partition.Topic);
        held.Add(record);
    }
}
