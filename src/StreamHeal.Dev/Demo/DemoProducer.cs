using Confluent.Kafka;

namespace StreamHeal.Dev.Demo;

/// <summary>
/// Produces the synthetic events round-robin over the partitions (lz4, idempotent) and remembers where each one
/// landed, so the verdict can check every produced record against the sink and the DLQ. With
/// <paramref name="avro"/>, the events the generator picks for its Avro share go out in the Confluent wire format.
/// </summary>
public sealed class DemoProducer(string bootstrapServers, string topic, int partitions, SyntheticEvents events, AvroEvents? avro = null)
{
    private long _avroEvents;
    private volatile PositionedProducer? _producer;

    /// <summary>Well-formed Avro events produced (poison Avro not included).</summary>
    public long AvroEvents => Interlocked.Read(ref _avroEvents);

    public long Delivered => _producer?.Delivered ?? 0;

    public long Failed => _producer?.Failed ?? 0;

    /// <summary>Produces <paramref name="count"/> events; returns the (partition, offset) of each, by event index.</summary>
    public Task<(int Partition, long Offset)[]> ProduceAsync(long count, CancellationToken cancellationToken) =>
        Task.Run(() => Produce(count, cancellationToken), cancellationToken);

    private (int Partition, long Offset)[] Produce(long count, CancellationToken cancellationToken)
    {
        using var producer = new PositionedProducer(bootstrapServers, topic, partitions, count);
        _producer = producer; // its counters stay readable for progress after it is disposed
        for (var i = 0L; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            producer.Produce(i, new Message<byte[]?, byte[]?> { Key = BitConverter.GetBytes(i), Value = ValueAt(i, count) });
        }

        producer.Flush(cancellationToken);
        return producer.Positions;
    }

    private byte[] ValueAt(long index, long count)
    {
        var form = avro is null ? AvroForm.None : events.AvroAt(index);
        if (form == AvroForm.None)
        {
            return events.ValueAt(index, count);
        }

        if (form == AvroForm.Valid)
        {
            Interlocked.Increment(ref _avroEvents);
        }

        return avro!.ValueAt(events, index, count, form);
    }
}
