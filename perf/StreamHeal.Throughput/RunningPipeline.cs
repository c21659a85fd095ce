using Microsoft.Extensions.Logging;
using StreamHeal.Batch;
using StreamHeal.CompatFilter;
using StreamHeal.DeadLetter;
using StreamHeal.Decode;
using StreamHeal.Kafka;
using StreamHeal.Pipeline;
using StreamHeal.Retry;
using StreamHeal.Sink;
using StreamHeal.Flow;
using StreamHeal.Records;

namespace StreamHeal.Throughput;

/// <summary>An <see cref="IngestionPipeline"/> running in the background with the demo's settings, and ways to wait on it.</summary>
internal sealed class RunningPipeline : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);

    private readonly IngestionPipeline _pipeline;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    private RunningPipeline(IngestionPipeline pipeline)
    {
        _pipeline = pipeline;
        _running = pipeline.RunAsync(_stop.Token);
    }

    /// <summary>The consumer settings every run uses; a sink that talks to Kafka itself (BigQuery's checkpoints) gets the same.</summary>
    public static KafkaOptions Kafka(string bootstrapServers, string topic, string groupId) =>
        new() { BootstrapServers = bootstrapServers, GroupId = groupId, Topics = [topic], SessionTimeoutMs = 6_000 };

    /// <param name="deadLetterTopic">Its own DLQ topic per run, so each run's verdict reads only its own dead letters.</param>
    /// <param name="holds">The topic holds the sink was built with (the BigQuery sink pauses a table's partitions through them), or null.</param>
    /// <param name="pipeline">The graph's capacities; null for the shipped defaults, which every comparison run uses.</param>
    /// <param name="kafkaProperties">librdkafka settings as <c>kafka.properties</c>; null for none, as every comparison run.</param>
    public static RunningPipeline Start(
        string bootstrapServers, string topic, string groupId, string deadLetterTopic, ISink sink, ILoggerFactory loggerFactory, TopicHolds? holds = null,
        PipelineOptions? pipeline = null, IReadOnlyDictionary<string, string>? kafkaProperties = null)
    {
        var kafka = Kafka(bootstrapServers, topic, groupId);
        foreach (var (key, value) in kafkaProperties ?? new Dictionary<string, string>())
        {
            kafka.Properties[key] = value;
        }

        var settings = new PipelineSettings(
            kafka,
            pipeline ?? new PipelineOptions(),
            // As the demo: its oversized poison (70 KiB) must be dead-lettered.
            new DecodeOptions { MaxPayloadBytes = 64 * 1024 },
            new FlattenOptions(),
            new CompatFilterOptions(),
            new BatchOptions(),
            new RetryOptions(),
            new DeadLetterOptions { TopicTemplate = deadLetterTopic });
        return new RunningPipeline(new IngestionPipeline(settings, sink, loggerFactory, holds: holds));
    }

    public PipelineStatus Status => _pipeline.Status;

    /// <summary>Records finished: in the sink, already there, or in the DLQ.</summary>
    public long Done => _pipeline.Metrics.Sunk + _pipeline.Metrics.AlreadyWritten + _pipeline.Metrics.DeadLettered;

    /// <summary>Waits until <paramref name="condition"/> holds; throws when the pipeline stops first or time runs out.</summary>
    /// <param name="progress">Gets a status line every <see cref="ProgressInterval"/>, or null.</param>
    public async Task WaitUntilAsync(
        Func<RunningPipeline, bool> condition, TimeSpan timeout, string what, TextWriter? progress, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var nextReport = DateTime.UtcNow + ProgressInterval;
        var lastDone = 0L;
        while (!condition(this))
        {
            if (progress is not null && DateTime.UtcNow >= nextReport)
            {
                var done = Done;
                var status = _pipeline.Status;
                progress.WriteLine(string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"  done {done:N0} (+{(done - lastDone) / ProgressInterval.TotalSeconds:N0}/s), polled {status.Polled:N0}, in flight {status.InFlightRecords:N0} records / {status.InFlightBytes / 1e6:N0} MB, paused {status.Paused}, lag {status.Lag:N0}; {_pipeline.Describe()}"));
                lastDone = done;
                nextReport += ProgressInterval;
            }

            if (_running.IsCompleted)
            {
                await _running;
                throw new InvalidOperationException($"The pipeline stopped before {what}: {_pipeline.Status.Failure ?? "no failure reported"}.");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not {what} within {timeout}: {_pipeline.Describe()}; done {Done:N0}.");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Drains, commits and leaves the group.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _running;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_running.IsCompleted)
        {
            await _stop.CancelAsync();
            await _running.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        await _pipeline.DisposeAsync();
        _stop.Dispose();
    }
}
