using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using System.Diagnostics.Metrics;
using StreamHeal.Flow;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Telemetry;
using Xunit;

namespace StreamHeal.Tests.Telemetry;

/// <summary>The meter's instruments as a listener sees them: labels, per-batch counting, gauges read from the pipeline.</summary>
public sealed class PipelineMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly PipelineMetrics _metrics;

    public PipelineMetricsTests() => _metrics = new PipelineMetrics(_services.GetRequiredService<IMeterFactory>());

    [Fact]
    public void Configured_topics_and_tables_start_at_zero_and_batches_add_per_label()
    {
        using var written = Collector<long>("streamheal.rows.written");
        using var consumed = Collector<long>("streamheal.messages.consumed");
        _metrics.Start(new Dictionary<string, string> { ["events"] = "events_t" }, "duckdb");

        Assert.Equal([("events_t", "duckdb", 0L)], Observe(written).Select(m => ((string)m.Tags["table"]!, (string)m.Tags["sink"]!, m.Value)));
        Assert.Equal([0L], Observe(consumed).Select(m => m.Value));

        _metrics.RecordPolled("events");
        _metrics.RecordPolled("events");
        _metrics.RecordSunk("events_t", "duckdb", written: 2, alreadyWritten: 0, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(1));
        Assert.Equal([2L], Observe(written).Select(m => m.Value));
        Assert.Equal([2L], Observe(consumed).Select(m => m.Value));
        Assert.Equal(2, _metrics.Sunk);
    }

    [Fact]
    public void Dead_letters_carry_topic_error_type_and_stage_and_nothing_else()
    {
        using var deadLettered = Collector<long>("streamheal.messages.dead_lettered");
        _metrics.RecordDeadLettered("events", "invalid_json", "decode", TimeSpan.FromMilliseconds(3));
        _metrics.RecordDeadLettered("events", "invalid_json", "decode", TimeSpan.FromMilliseconds(3));

        var measurement = Assert.Single(Observe(deadLettered));
        Assert.Equal(2, measurement.Value);
        Assert.Equal(["error_type", "stage", "topic"], measurement.Tags.Keys.Order());
    }

    [Fact]
    public void Gauges_read_nothing_before_the_pipeline_runs_then_its_partitions_dependencies_and_BigQuery_tables()
    {
        using var lag = Collector<long>("streamheal.consumer.lag_messages");
        using var degraded = Collector<int>("streamheal.degraded");
        using var throttled = Collector<long>("streamheal.sink.throttled");
        using var appends = Collector<long>("streamheal.sink.appends");
        Assert.Empty(Observe(lag));
        Assert.Empty(Observe(degraded));

        var stats = new BigQuerySinkStats();
        stats.Track("events_t");
        stats.RecordAppend("events_t", 100);
        stats.RecordThrottle("events_t");
        IReadOnlyList<PartitionGauge> partitions = [new("events", 3, 42, 1.5, 7, false, 1_700_000_000)];
        _metrics.Observe(new PipelineGauges
        {
            Budget = new InFlightBudget(1_000, 100, 50),
            StageQueues = static () => [],
            Partitions = () => partitions,
            AssignedPartitions = () => partitions.Count,
            Dependencies = static () => [new DependencyState(Dependency.Sink, true, 2)],
            Tables = static () => [],
            BigQuery = stats,
        });

        var partition = Assert.Single(Observe(lag));
        Assert.Equal((42L, "events", 3), (partition.Value, (string)partition.Tags["topic"]!, (int)partition.Tags["partition"]!));
        Assert.Equal([1], Observe(degraded).Select(m => m.Value));
        Assert.Equal([1L], Observe(throttled).Select(m => m.Value));
        Assert.Equal([("ok", 1L), ("throttled", 1L)], Observe(appends).Select(m => ((string)m.Tags["outcome"]!, m.Value)).Order());

        // A revoked partition leaves the poll loop's list, and its series leave with it.
        partitions = [];
        Assert.Empty(Observe(lag));
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _services.Dispose();
    }

    [Fact]
    public void Counting_on_the_hot_path_allocates_nothing_while_an_exporter_listens()
    {
        // A listener enabling every instrument of the meter, as the Prometheus exporter does: histograms are live.
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PipelineMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
        listener.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
        listener.SetMeasurementEventCallback<int>(static (_, _, _, _) => { });
        listener.Start();
        _metrics.Start(new Dictionary<string, string> { ["events"] = "events_t" }, "duckdb");
        var oldest = DateTimeOffset.UnixEpoch;
        void CountOneBatch()
        {
            for (var i = 0; i < 500; i++)
            {
                _metrics.RecordPolled("events");
            }

            _metrics.RecordSunk("events_t", "duckdb", written: 499, alreadyWritten: 0, oldest, oldest.AddSeconds(1));
            _metrics.RecordBatch("events_t", "duckdb", 499, TimeSpan.FromMilliseconds(4), TimeSpan.FromMilliseconds(5));
            _metrics.RecordDeadLettered("events", "invalid_json", "decode", TimeSpan.FromMilliseconds(1));
        }

        for (var batch = 0; batch < 200; batch++)
        {
            CountOneBatch();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var batch = 0; batch < 1_000; batch++)
        {
            CountOneBatch();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(600_000, _metrics.Polled);
    }

    private MetricCollector<T> Collector<T>(string instrument)
        where T : struct => new(_services.GetRequiredService<IMeterFactory>(), PipelineMetrics.MeterName, instrument);

    private static IReadOnlyList<CollectedMeasurement<T>> Observe<T>(MetricCollector<T> collector)
        where T : struct
    {
        collector.Clear();
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot();
    }
}
