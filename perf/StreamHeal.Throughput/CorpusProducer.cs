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
/// the demo's <see cref="PositionedProducer"/>, either as fast as possible or at a fixed rate, counting the bytes sent.
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
        // Paced runs measure end-to-end latency from the Kafka timestamp, so the producer's own share is recorded too.
        var delivery = perSecond is null ? null : new float[count];
        // The create time each event was given, kept here: the delivery report's message carries no timestamp on every
        // broker (the mock's reports have none, which read as the Unix epoch).
        var created = perSecond is null ? null : new long[count];
        long bytes = 0;
        using var producer = new PositionedProducer(bootstrapServers, topic, partitions, count, delivery is null ? null : (index, _) =>
            delivery[index] = (float)TimeSpan.FromTicks(DateTime.UtcNow.Ticks - created![index]).TotalMilliseconds);
        var clock = Stopwatch.StartNew();
        var next = 0L;
        while (next < count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var due = perSecond is { } rate ? Math.Min(count, (long)(clock.Elapsed.TotalSeconds * rate) + 1) : count;
            for (; next < due; next++)
            {
                var value = events.ValueAt(next, count);
                bytes += value.Length;
                // The timestamp is set here rather than by librdkafka so the delivery report can be timed against it; it is
                // the same create time the pipeline's latency is measured from.
                var now = DateTime.UtcNow;
                if (created is not null)
                {
                    created[next] = now.Ticks;
                }

                producer.Produce(next, new Message<byte[]?, byte[]?> { Key = BitConverter.GetBytes(next), Value = value, Timestamp = new Timestamp(now) });
            }

            if (next < count)
            {
                producer.ServeReports();
                await Task.Delay(PaceTick, cancellationToken);
            }
        }

        producer.Flush(cancellationToken);
        var elapsed = clock.Elapsed;
        var positions = producer.Positions;
        return new ProducedCorpus(topic, positions, bytes, elapsed, delivery is null ? null : LatencyPercentiles.Of(delivery));
    }
}
