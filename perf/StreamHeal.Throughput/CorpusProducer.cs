using System.Diagnostics;
using Confluent.Kafka;
using StreamHeal.Dev.Demo;

namespace StreamHeal.Throughput;

/// <summary>Where every produced event landed, and how many value bytes they carried.</summary>
/// <param name="Delivery">For a paced run: the time from each event's Kafka timestamp to its delivery report.</param>
internal sealed record ProducedCorpus(string Topic, (int Partition, long Offset)[] Positions, long ValueBytes, TimeSpan Elapsed, LatencyPercentiles? Delivery = null)
{
    public long Count => Positions.LongLength;

    public double EventsPerSecond => Count / Math.Max(Elapsed.TotalSeconds, 0.001);
}

/// <summary>
/// Produces the demo's event mix (<see cref="SyntheticEvents"/>, poison included) round-robin over the partitions with
/// the demo producer's settings (lz4, idempotent, acks=all), either as fast as possible or at a fixed rate. Kept apart
/// from <see cref="DemoProducer"/> because the harness needs the pacing and the byte total.
/// </summary>
internal static class CorpusProducer
{
    public const int Seed = 42;

    // The pacer tops up the produced count to the rate every tick; ticks shorter than this only burn CPU.
    private static readonly TimeSpan PaceTick = TimeSpan.FromMilliseconds(5);

    /// <param name="perSecond">Events per second, or null for as fast as the producer goes.</param>
    public static Task<ProducedCorpus> ProduceAsync(
        string bootstrapServers, string topic, int partitions, long count, double? perSecond, CancellationToken cancellationToken) =>
        Task.Run(() => ProduceCoreAsync(bootstrapServers, topic, partitions, count, perSecond, cancellationToken), cancellationToken);

    private static async Task<ProducedCorpus> ProduceCoreAsync(
        string bootstrapServers, string topic, int partitions, long count, double? perSecond, CancellationToken cancellationToken)
    {
        var events = new SyntheticEvents(Seed);
        var positions = new (int Partition, long Offset)[count];
        // Paced runs measure end-to-end latency from the Kafka timestamp, so the producer's own share is recorded too.
        var delivery = perSecond is null ? null : new float[count];
        long failed = 0;
        long bytes = 0;
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
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(config).SetLogHandler(static (_, _) => { }).Build();
        var clock = Stopwatch.StartNew();
        var next = 0L;
        while (next < count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var due = perSecond is { } rate ? Math.Min(count, (long)(clock.Elapsed.TotalSeconds * rate) + 1) : count;
            for (; next < due; next++)
            {
                var index = next;
                var value = events.ValueAt(index, count);
                bytes += value.Length;
                // The timestamp is set here rather than by librdkafka so the delivery report can be timed against it; it is
                // the same create time the pipeline's latency is measured from.
                var message = new Message<byte[]?, byte[]?> { Key = BitConverter.GetBytes(index), Value = value, Timestamp = new Timestamp(DateTime.UtcNow) };
                while (true)
                {
                    try
                    {
                        producer.Produce(new TopicPartition(topic, (int)(index % partitions)), message, report =>
                        {
                            if (report.Error.IsError)
                            {
                                Interlocked.Increment(ref failed);
                                positions[index] = (-1, -1);
                                return;
                            }

                            positions[index] = (report.Partition.Value, report.Offset.Value);
                            if (delivery is not null)
                            {
                                delivery[index] = (float)(DateTime.UtcNow - message.Timestamp.UtcDateTime).TotalMilliseconds;
                            }
                        });
                        break;
                    }
                    catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        // The producer's own queue is the throttle: serve delivery reports, then go on.
                        producer.Poll(TimeSpan.FromMilliseconds(50));
                    }
                }
            }

            if (next < count)
            {
                producer.Poll(TimeSpan.Zero);
                await Task.Delay(PaceTick, cancellationToken);
            }
        }

        producer.Flush(cancellationToken);
        var elapsed = clock.Elapsed;
        if (Interlocked.Read(ref failed) > 0)
        {
            throw new InvalidOperationException($"{failed} of {count} events to '{topic}' could not be produced.");
        }

        return new ProducedCorpus(topic, positions, bytes, elapsed, delivery is null ? null : LatencyPercentiles.Of(delivery));
    }
}
