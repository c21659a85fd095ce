using Confluent.Kafka;

namespace StreamHeal.Poll;

/// <summary>
/// Records behind the high watermark over the owned partitions, from librdkafka's cached watermarks (no broker call),
/// refreshed about once a second on the poll thread; <see cref="Lag"/> is safe to read from any thread.
/// </summary>
internal sealed class LagReader(IConsumer<byte[]?, byte[]?> consumer, PartitionPositions positions, TimeProvider time)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private long _lag;
    private long _last;

    public long Lag => Interlocked.Read(ref _lag);

    public void Refresh()
    {
        var now = time.GetTimestamp();
        if (_last != 0 && time.GetElapsedTime(_last, now) < Interval)
        {
            return;
        }

        _last = now;
        long lag = 0;
        foreach (var partition in positions.Owned)
        {
            var high = consumer.GetWatermarkOffsets(partition).High;
            if (high.Value >= 0 && positions.TryGetLastPolled(partition, out var last))
            {
                lag += Math.Max(0, high.Value - (last + 1));
            }
        }

        Interlocked.Exchange(ref _lag, lag);
    }
}
