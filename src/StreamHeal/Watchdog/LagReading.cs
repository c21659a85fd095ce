using StreamHeal.Tables;
using StreamHeal.Telemetry;

namespace StreamHeal.Watchdog;

/// <summary>
/// One lag check over the assigned partitions: the high watermark (the broker's when it answered, else the consumer's
/// cached one) minus the next offset to poll (the broker's log start offset for a partition read from the beginning
/// that polled nothing yet), summed per topic for <c>lag_high</c>; and, for the stall detector, that lag plus the
/// records in flight, with the committable offset and the topic's finished records. Pure.
/// </summary>
public sealed record LagReading(IReadOnlyList<PartitionLag> Partitions, IReadOnlyDictionary<string, long> ByTopic, IReadOnlyList<PartitionSample> Samples)
{
    /// <param name="logStarts">The brokers' log start offsets of the partitions whose gauge is <see cref="PartitionGauge.FromLogStart"/>.</param>
    /// <param name="finished">Records of a topic written or dead-lettered so far, given the topic and its table.</param>
    public static LagReading From(
        IReadOnlyList<PartitionGauge> gauges,
        IReadOnlyDictionary<(string Topic, int Partition), long> brokerHighs,
        IReadOnlyDictionary<(string Topic, int Partition), long> logStarts,
        Func<string, string, long> finished)
    {
        var partitions = new List<PartitionLag>(gauges.Count);
        var samples = new List<PartitionSample>(gauges.Count);
        var byTopic = new Dictionary<string, long>(StringComparer.Ordinal);
        var finishedByTopic = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var g in gauges)
        {
            var next = g.NextOffset >= 0 ? g.NextOffset
                : g.FromLogStart && logStarts.TryGetValue((g.Topic, g.Partition), out var start) ? start
                : -1;
            var lag = brokerHighs.TryGetValue((g.Topic, g.Partition), out var high) && next >= 0
                ? Math.Max(g.LagMessages, high - next)
                : g.LagMessages;
            partitions.Add(new PartitionLag(g.Topic, g.Partition, lag));
            byTopic[g.Topic] = byTopic.GetValueOrDefault(g.Topic) + lag;
            if (!finishedByTopic.TryGetValue(g.Topic, out var done))
            {
                finishedByTopic[g.Topic] = done = finished(g.Topic, TableNames.ForTopic(g.Topic));
            }

            samples.Add(new PartitionSample(g.Topic, g.Partition, g.CommittableOffset, lag + g.CommitLagMessages, done, next, lag, g.Paused));
        }

        return new LagReading(partitions, byTopic, samples);
    }
}
