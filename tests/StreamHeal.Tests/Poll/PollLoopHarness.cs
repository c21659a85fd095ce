using StreamHeal.TestSupport;
using System.Threading.Tasks.Dataflow;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.Offsets;
using StreamHeal.Poll;
using StreamHeal.Records;
using StreamHeal.Telemetry;
using StreamHeal.Flow;

namespace StreamHeal.Tests.Poll;

/// <summary>A poll loop over a <see cref="FakeConsumer"/> and a fake clock, with decode as a plain buffer the test reads.</summary>
internal sealed class PollLoopHarness : IAsyncDisposable
{
    public static readonly TopicPartition P0 = new("events", 0);
    public static readonly TopicPartition P1 = new("events", 1);

    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _run;

    public PollLoopHarness(
        Func<PollOptions, PollOptions>? configure = null, long budgetRecords = 10_000, BufferBlock<RecordChunk>? decode = null,
        Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        Consumer = new FakeConsumer(Time);
        Decode = decode ?? new BufferBlock<RecordChunk>();
        Budget = new InFlightBudget(1L << 30, (int)budgetRecords, 50);
        var options = new PollOptions { Topics = ["events"], BootstrapServers = "broker-a:9092", GroupId = "g1", HoldLimit = 4 };
        Loop = new PollLoop(configure?.Invoke(options) ?? options, Consumer.Factory, Decode, Tracker, Budget, Metrics, logger ?? NullLogger.Instance, Time);
    }

    /// <summary>A harness whose loop gives up on a Kafka condition after <paramref name="fatalAfter"/>.</summary>
    public static PollLoopHarness WithFatalAfter(TimeSpan fatalAfter) =>
        new(o => new PollOptions { Topics = o.Topics, BootstrapServers = o.BootstrapServers, GroupId = o.GroupId, HoldLimit = o.HoldLimit, FatalAfter = fatalAfter });

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UnixEpoch);

    public FakeConsumer Consumer { get; }

    public BufferBlock<RecordChunk> Decode { get; }

    public OffsetTracker Tracker { get; } = new();

    public InFlightBudget Budget { get; }

    public PipelineMetrics Metrics { get; } = new();

    public PollLoop Loop { get; }

    public Task Run => _run ?? throw new InvalidOperationException("not started");

    public void Start() => _run = Loop.RunAsync(_stop.Token, () => _drained.TrySetResult(), _drained.Task, static () => { });

    /// <summary>Takes the records decode received so far.</summary>
    public List<IngestRecord> Received()
    {
        Decode.TryReceiveAll(out var chunks);
        return chunks is null ? [] : [.. chunks.SelectMany(Records)];
    }

    /// <summary>Marks a record sunk, as the sink stage would, and releases its budget.</summary>
    public void Complete(IngestRecord record)
    {
        Tracker.Complete(record.Position.TopicPartition, record.AssignmentGeneration, record.Offset);
        Budget.Release(record.Bytes);
    }

    public static IEnumerable<IngestRecord> Records(RecordChunk chunk) => Enumerable.Range(0, chunk.Count).Select(i => chunk[i]);

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Run.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public static Task Until(Func<bool> condition, string what) => Eventually.Until(condition, what);

    public async ValueTask DisposeAsync()
    {
        if (_run is { IsCompleted: false })
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        Loop.Dispose();
        Metrics.Dispose();
        _stop.Dispose();
    }
}
