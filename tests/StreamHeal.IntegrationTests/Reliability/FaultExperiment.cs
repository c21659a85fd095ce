using StreamHeal.TestSupport;
using System.Runtime.CompilerServices;
using Confluent.Kafka;
using StreamHeal.Dev.Kafka;
using StreamHeal.Dev.Demo;
using StreamHeal.IntegrationTests.Pipeline;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Pipeline;
using StreamHeal.SchemaState;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>
/// One fault against one running pipeline, the same way every time: half the corpus is produced and flowing into
/// DuckDB before the fault, the other half is produced while it lasts, and after it clears the test measures how long
/// until rows reach the sink again, waits for the group's commits to reach the end, stops the pipeline and checks the
/// table and the DLQ against the corpus's own poison. The row is recorded before anything is asserted.
/// </summary>
public sealed class FaultExperiment : IAsyncDisposable
{
    public const int Partitions = 6;

    /// <summary>How long a fault injected by request errors lasts: long enough for several fetches, commits and heartbeats.</summary>
    public static readonly TimeSpan FaultWindow = TimeSpan.FromSeconds(3);

    private const int DefaultEvents = 3_000;

    // 1%: some thirty poison events, of every kind, so "the DLQ holds only real poison" is a real check.
    private const double PoisonShare = 0.01;
    private static readonly TimeSpan ResumeTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FinishTimeout = TimeSpan.FromMinutes(2);

    private readonly ReliabilityFixture _fixture;
    private readonly SyntheticEvents[] _phases;
    private readonly int[] _phaseCounts;
    private readonly List<(int Partition, long Offset)> _produced = [];
    private readonly Action<PipelineSettings>? _configure;
    private readonly SchemaRegistrar? _registrar;
    private Task<(int Partition, long Offset)[]>? _secondPhase;
    private bool _secondPhaseCollected;
    private (IngestionPipeline Pipeline, Task Running, CancellationTokenSource Stop)? _run;
    private TimeSpan? _resume;
    private string? _note;

    private FaultExperiment(
        ReliabilityFixture fixture, PipelineScenario scenario, int events, int seed, Action<PipelineSettings>? configure, SchemaRegistrar? registrar)
    {
        _fixture = fixture;
        Scenario = scenario;
        _configure = configure;
        _registrar = registrar;
        _phaseCounts = [events / 2, events - events / 2];
        _phases = [new SyntheticEvents(seed, PoisonShare), new SyntheticEvents(seed + 1, PoisonShare)];
        Sink = new FlakySink(scenario.OpenSink());
        Progress = new ProgressSink(Sink, Partitions);
    }

    public PipelineScenario Scenario { get; }

    public MockKafkaCluster Cluster => _fixture.Kafka.Cluster;

    /// <summary>The sink layer a test can take down; the pipeline writes through <see cref="Progress"/> into it.</summary>
    public FlakySink Sink { get; }

    public ProgressSink Progress { get; }

    public IngestionPipeline Pipeline => _run?.Pipeline ?? throw new InvalidOperationException("The pipeline has not been started.");

    public static IEnumerable<int> AllPartitions => Enumerable.Range(0, Partitions);

    /// <summary>Produces the first half of the corpus and, unless <paramref name="start"/> is false, starts the pipeline and waits for rows.</summary>
    /// <param name="registrar">Builds the pipeline's schema registrar in the scenario's folder; disposed with the experiment.</param>
    public static async Task<FaultExperiment> CreateAsync(
        ReliabilityFixture fixture,
        ITestOutputHelper output,
        string name,
        Action<PipelineSettings>? configure = null,
        Func<PipelineScenario, SchemaRegistrar>? registrar = null,
        int events = DefaultEvents,
        bool start = true)
    {
        var scenario = new PipelineScenario(fixture.Kafka, output, name, Partitions);
        // A seed fixed per test: a failing run can be repeated with the same corpus and the same poison.
        var experiment = new FaultExperiment(fixture, scenario, events, seed: name.Length * 7919 + events, configure, registrar?.Invoke(scenario));
        experiment._produced.AddRange(await experiment.ProducePhaseAsync(0));
        if (start)
        {
            await experiment.StartAsync();
        }

        return experiment;
    }

    /// <summary>Starts the pipeline and, unless told not to, waits until rows reach the sink.</summary>
    public async Task StartAsync(bool waitForRows = true)
    {
        _run = StartMember();
        if (!waitForRows)
        {
            return;
        }

        await Eventually.Until(() => Progress.ConfirmedOn(AllPartitions) > 0, TimeSpan.FromSeconds(60), "rows reaching the sink before the fault");
    }

    /// <summary>Starts one more member of the group, writing into the same sink; the caller stops it.</summary>
    public (IngestionPipeline Pipeline, Task Running, CancellationTokenSource Stop) StartMember()
    {
        var settings = Scenario.Settings();
        _configure?.Invoke(settings);
        return Scenario.Start(Progress, settings, _registrar);
    }

    /// <summary>Starts producing the second half of the corpus; it is awaited when the experiment finishes.</summary>
    public void ProduceSecondHalf() => _secondPhase ??= ProducePhaseAsync(1);

    /// <summary>Keeps a fault in place: the fault's duration is part of the experiment, not a wait for a condition.</summary>
    public static Task HoldAsync(TimeSpan duration) => Task.Delay(duration);

    /// <summary>
    /// Call the moment the fault is gone: measures how long until rows reach the sink again on
    /// <paramref name="partitions"/> (all by default). Zero when nothing was waiting there, so the flow never stopped.
    /// </summary>
    public async Task FaultClearedAsync(IReadOnlyCollection<int>? partitions = null)
    {
        partitions ??= [.. AllPartitions];
        if (_secondPhase is { IsCompleted: true })
        {
            await CollectSecondHalfAsync();
        }

        var confirmed = Progress.ConfirmedOn(partitions);
        var waiting = _secondPhase is { IsCompleted: false } || confirmed < ValidKnownOn(partitions);
        _resume = waiting
            ? await Eventually.TryUntil(() => Progress.ConfirmedOn(partitions) > confirmed, ResumeTimeout)
            : TimeSpan.Zero;
        Scenario.Output.WriteLine(_resume is { } r ? $"resumed {r.TotalSeconds:N2} s after the fault cleared (waiting: {waiting})" : $"no row reached the sink within {ResumeTimeout.TotalSeconds} s of the fault clearing");
    }

    /// <summary>Notes something that went wrong outside the verdict (a stop that failed, commits that never reached the end).</summary>
    public void Note(string note) => _note = _note is null ? note : $"{_note}; {note}";

    /// <summary>
    /// Waits for the group's commits to reach the end, stops the pipeline, reads the table and the DLQ back, records the
    /// row and asserts: nothing lost, nothing duplicated, only real poison in the DLQ, resumed (within the goal if any). A poison
    /// record dead-lettered again after a rebalance is recorded, not failed: the README promises the DLQ at least once.
    /// </summary>
    /// <param name="resumeGoal">How soon after the fault cleared rows must flow again; without one they only must flow again.</param>
    public async Task FinishAsync(string family, string fault, string injection, TimeSpan? resumeGoal = null, [CallerMemberName] string test = "")
    {
        ProduceSecondHalf();
        await CollectSecondHalfAsync();
        if (_run is null)
        {
            await StartAsync();
        }

        try
        {
            await Scenario.WaitForCommittedEndAsync(FinishTimeout);
        }
        catch (Xunit.Sdk.FailException e)
        {
            Note(e.Message);
        }

        await StopAsync();
        var (rows, deadLetters) = await Scenario.ReadBackAsync();
        var verdict = FaultVerdict.Compute(_produced, IsPoison, ValueAt, rows, deadLetters);
        var row = new ReliabilityRow(family, fault, injection, test, verdict.Events, verdict.Poison, verdict.Lost, verdict.Duplicated,
            verdict.DeadLettered, verdict.DeadLetterRepeats, verdict.WronglyDeadLettered, _resume, resumeGoal, _note);
        _fixture.Recorder.Record(row);
        Scenario.Output.WriteLine($"{row} (DLQ records {deadLetters.Count})");

        Assert.True(_note is null, _note);
        Assert.True(verdict.Lost == 0, $"{verdict.Lost} of {verdict.Events} events lost (valid events missing from the table, or poison missing from the DLQ)");
        Assert.True(verdict.Duplicated == 0, $"{verdict.Duplicated} rows written twice");
        Assert.True(verdict.WronglyDeadLettered == 0, $"{verdict.WronglyDeadLettered} DLQ records are not the corpus's poison as produced");
        Assert.Equal(verdict.Poison, verdict.DeadLettered);
        Assert.True(_resume is not null, $"no row reached the sink within {ResumeTimeout.TotalSeconds} s of the fault clearing");
        if (resumeGoal is { } goal)
        {
            Assert.True(_resume <= goal, $"resumed {_resume!.Value.TotalSeconds:N1} s after the fault cleared; the goal is {goal.TotalSeconds} s");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Sink.DisposeAsync();
        _registrar?.Dispose();
        await Scenario.DisposeAsync();
    }

    private async Task StopAsync()
    {
        if (_run is not { } run || run.Running.IsCompleted && run.Stop.IsCancellationRequested)
        {
            return;
        }

        await run.Stop.CancelAsync();
        try
        {
            await run.Running.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception e) when (e is PipelineFailedException or TimeoutException or KafkaException)
        {
            Note($"the pipeline did not stop cleanly: {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task CollectSecondHalfAsync()
    {
        if (!_secondPhaseCollected)
        {
            _produced.AddRange(await _secondPhase!);
            _secondPhaseCollected = true;
        }
    }

    private Task<(int Partition, long Offset)[]> ProducePhaseAsync(int phase) =>
        new DemoProducer(Scenario.BootstrapServers, Scenario.Topic, Partitions, _phases[phase]).ProduceAsync(_phaseCounts[phase], CancellationToken.None);

    private (int Phase, int Index) Locate(int index) => index < _phaseCounts[0] ? (0, index) : (1, index - _phaseCounts[0]);

    private bool IsPoison(int index)
    {
        var (phase, i) = Locate(index);
        return _phases[phase].PoisonAt(i) != PoisonKind.None;
    }

    private byte[] ValueAt(int index)
    {
        var (phase, i) = Locate(index);
        return _phases[phase].ValueAt(i, _phaseCounts[phase]);
    }

    private long ValidKnownOn(IReadOnlyCollection<int> partitions)
    {
        long valid = 0;
        for (var i = 0; i < _produced.Count; i++)
        {
            valid += partitions.Contains(_produced[i].Partition) && !IsPoison(i) ? 1 : 0;
        }

        return valid;
    }
}
