using StreamHeal.Telemetry;
using StreamHeal.Watchdog;
using Xunit;

namespace StreamHeal.Tests.Watchdog;

public sealed class LagReadingTests
{
    private static readonly Dictionary<(string, int), long> None = [];

    private static Dictionary<(string, int), long> Offsets(params (int Partition, long Offset)[] offsets) =>
        offsets.ToDictionary(static o => ("events", o.Partition), static o => o.Offset);

    private static long NothingFinished(string topic, string table) => 0;

    private static PartitionGauge Gauge(int partition, long cachedLag, long next, long pending = 0, bool fromLogStart = false) =>
        new("events", partition, cachedLag, LagSeconds: 0, pending, Paused: false, LastProgressUnixSeconds: 0, next, CommittableOffset: -1, fromLogStart);

    [Fact]
    public void A_polled_partition_lags_by_the_brokers_high_watermark_minus_its_next_offset()
    {
        var reading = LagReading.From([Gauge(0, cachedLag: 10, next: 400, pending: 7)], Offsets((0, 1_000)), None, NothingFinished);

        Assert.Equal(600, Assert.Single(reading.Partitions).Messages);
        Assert.Equal(600, reading.ByTopic["events"]);
        Assert.Equal(607, Assert.Single(reading.Samples).Lag);
    }

    /// <summary>
    /// Regression: a partition read from the beginning whose first fetch had not come back (librdkafka knows none of its
    /// watermarks then) read 0, so lag_high resolved while its records waited and the stall watchdog took it for idle.
    /// </summary>
    [Fact]
    public void A_partition_read_from_the_beginning_that_polled_nothing_lags_by_its_whole_log()
    {
        var gauges = new[] { Gauge(0, cachedLag: 0, next: 1_000), Gauge(1, cachedLag: 0, next: -1, fromLogStart: true) };
        var highs = new Dictionary<(string, int), long> { [("events", 0)] = 1_000, [("events", 1)] = 1_000 };

        var reading = LagReading.From(gauges, highs, Offsets((1, 250)), NothingFinished);

        Assert.Equal([0L, 750L], reading.Partitions.Select(static p => p.Messages));
        Assert.Equal(750, reading.ByTopic["events"]);
        Assert.Equal(750, reading.Samples[1].Lag);
    }

    [Fact]
    public void Without_the_brokers_answer_the_consumers_cached_lag_is_used()
    {
        var gauges = new[] { Gauge(0, cachedLag: 30, next: 900), Gauge(1, cachedLag: 40, next: -1, fromLogStart: true) };

        var unanswered = LagReading.From(gauges, None, None, NothingFinished);
        var noLogStart = LagReading.From(gauges, Offsets((0, 1_000), (1, 1_000)), None, NothingFinished);

        Assert.Equal([30L, 40L], unanswered.Partitions.Select(static p => p.Messages));
        Assert.Equal([100L, 40L], noLogStart.Partitions.Select(static p => p.Messages));
    }

    [Fact]
    public void A_partition_that_starts_at_the_end_and_polled_nothing_keeps_its_cached_lag()
    {
        var reading = LagReading.From([Gauge(0, cachedLag: 0, next: -1)], Offsets((0, 1_000)), Offsets((0, 0)), NothingFinished);

        Assert.Equal(0, reading.ByTopic["events"]);
    }

    [Fact]
    public void Lag_is_summed_per_topic_and_each_topic_counts_its_finished_records_once()
    {
        var calls = 0;
        long Finished(string topic, string table)
        {
            calls++;
            return topic == "events" ? 5 : 9;
        }

        var gauges = new[]
        {
            Gauge(0, cachedLag: 0, next: 10),
            Gauge(1, cachedLag: 0, next: 20),
            new PartitionGauge("orders", 0, 0, 0, 0, false, 0, NextOffset: 3),
        };
        var highs = new Dictionary<(string, int), long> { [("events", 0)] = 15, [("events", 1)] = 30, [("orders", 0)] = 4 };

        var reading = LagReading.From(gauges, highs, None, Finished);

        Assert.Equal(15, reading.ByTopic["events"]);
        Assert.Equal(1, reading.ByTopic["orders"]);
        Assert.Equal([5L, 5L, 9L], reading.Samples.Select(static s => s.Finished));
        Assert.Equal(2, calls);
    }
}
