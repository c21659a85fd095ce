using StreamHeal.Pipeline;

namespace StreamHeal.Watchdog;

/// <summary>
/// Runs the pipeline and restarts it in-process when the stall watchdog asks: the running graph stops (drains what it
/// can within <c>pipeline.drainTimeout</c>, leaves the rest uncommitted) and a new one, built by the factory, resumes
/// from the committed offsets; the sinks skip rows they already hold, so a restart writes nothing twice. The status it
/// reports carries the watchdog's verdict (<see cref="PipelineStatus.GaveUp"/>) for the liveness probe.
/// </summary>
public sealed class PipelineSupervisor : IAsyncDisposable
{
    private readonly Func<IngestionPipeline> _create;
    private readonly Lock _lock = new();
    private IngestionPipeline _current;
    private CancellationTokenSource? _run;
    private bool _restart;
    private int _restarts;
    private volatile string? _gaveUp;

    /// <param name="create">Builds one pipeline; called once now and once per restart. Give every pipeline the same metrics.</param>
    public PipelineSupervisor(Func<IngestionPipeline> create)
    {
        _create = create;
        _current = create();
    }

    /// <summary>The pipeline running now (or stopping for a restart).</summary>
    public IngestionPipeline Current => Volatile.Read(ref _current);

    public PipelineStatus Status => Current.Status with { GaveUp = _gaveUp, Restarts = Volatile.Read(ref _restarts) };

    /// <summary>True from a restart request until the new pipeline exists.</summary>
    public bool Restarting
    {
        get
        {
            lock (_lock)
            {
                return _restart;
            }
        }
    }

    /// <summary>Runs pipelines until <paramref name="stop"/>; throws what a failed pipeline throws.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (true)
        {
            var pipeline = Current;
            using (var run = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                bool restartAsked;
                lock (_lock)
                {
                    _run = run;
                    restartAsked = _restart;
                }

                if (restartAsked)
                {
                    await run.CancelAsync();
                }

                try
                {
                    await pipeline.RunAsync(run.Token);
                }
                finally
                {
                    lock (_lock)
                    {
                        _run = null;
                    }
                }
            }

            lock (_lock)
            {
                if (!_restart || stop.IsCancellationRequested)
                {
                    return;
                }
            }

            await pipeline.DisposeAsync();
            Volatile.Write(ref _current, _create());
            Interlocked.Increment(ref _restarts);
            lock (_lock)
            {
                _restart = false;
            }
        }
    }

    /// <summary>Asks the running pipeline to stop and a new one to start; returns at once.</summary>
    public void Restart()
    {
        CancellationTokenSource? run;
        lock (_lock)
        {
            _restart = true;
            run = _run;
        }

        run?.Cancel();
    }

    /// <summary>Asks the running pipeline for a new Kafka consumer; false when none is polling.</summary>
    public bool RecreateConsumer() => Current.RecreateConsumer();

    /// <summary>From now on the status says why the process must be restarted (<c>/health/live</c> answers 503).</summary>
    public void GiveUp(string why) => _gaveUp = why;

    public ValueTask DisposeAsync() => Current.DisposeAsync();
}
