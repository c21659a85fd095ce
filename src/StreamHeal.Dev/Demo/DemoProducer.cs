using Confluent.Kafka;

namespace StreamHeal.Dev.Demo;

/// <summary>
/// Produces the synthetic events round-robin over the partitions (lz4, idempotent) and remembers where each one
/// landed, so the verdict can check every produced record against the sink and the DLQ. With
/// <paramref name="avro"/>, the events the generator picks for its Avro share go out in the Confluent wire format.
/// </summary>
public sealed class DemoProducer(string bootstrapServers, string topic, int partitions, SyntheticEvents events, AvroEvents? avro = null)
{
    private long _delivered;
    private long _failed;
    private long _avroEvents;

    /// <summary>Well-formed Avro events produced (poison Avro not included).</summary>
    public long AvroEvents => Interlocked.Read(ref _avroEvents);

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Produces <paramref name="count"/> events; returns the (partition, offset) of each, by event index.</summary>
    public async Task<(int Partition, long Offset)[]> ProduceAsync(long count, CancellationToken cancellationToken)
    {
        var positions = new (int Partition, long Offset)[count];
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 20,
            BatchSize = 256 * 1024,
            MessageMaxBytes = 2 * 1024 * 1024,
            QueueBufferingMaxKbytes = 64 * 1024,
        };
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(config).SetLogHandler((_, _) => { }).Build();
        for (var i = 0L; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var index = i;
            var message = new Message<byte[]?, byte[]?> { Key = BitConverter.GetBytes(index), Value = ValueAt(index, count) };
            while (true)
            {
                try
                {
                    producer.Produce(new TopicPartition(topic, (int)(index % partitions)), message, report =>
                    {
                        if (report.Error.IsError)
                        {
                            Interlocked.Increment(ref _failed);
                            positions[index] = (-1, -1);
                            return;
                        }

                        positions[index] = (report.Partition.Value, report.Offset.Value);
                        Interlocked.Increment(ref _delivered);
                    });
                    break;
                }
                catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // The producer's own queue is the throttle: wait for deliveries, then go on.
                    await Task.Run(() => producer.Poll(TimeSpan.FromMilliseconds(50)), cancellationToken);
                }
            }
        }

        await Task.Run(() => producer.Flush(cancellationToken), cancellationToken);
        if (Failed > 0)
        {
            throw new InvalidOperationException($"{Failed} demo events could not be produced.");
        }

        return positions;
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
