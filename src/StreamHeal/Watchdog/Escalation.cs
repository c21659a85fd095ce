namespace StreamHeal.Watchdog;

/// <summary>
/// Which recovery step a stall gets: first the consumer is recreated; a stall that persists restarts the pipeline,
/// up to <c>maxRestarts</c> within <c>restartWindow</c>; the stall after that gives up (liveness fails), for good.
/// A stall after <see cref="Healed"/> starts again from the consumer. Pure: time is passed in; one caller at a time.
/// </summary>
public sealed class Escalation(int maxRestarts, TimeSpan restartWindow)
{
    private readonly Queue<DateTimeOffset> _restarts = new();
    private bool _consumerRecreated;

    public bool GaveUp { get; private set; }

    /// <summary>True while a step was taken and no check has found the pipeline healed since.</summary>
    public bool Escalated => _consumerRecreated;

    /// <summary>In-process restarts within the window ending at <paramref name="now"/>.</summary>
    public int RestartsWithin(DateTimeOffset now)
    {
        Prune(now);
        return _restarts.Count;
    }

    /// <summary>The step for a stall seen at <paramref name="now"/>; taking it is the caller's job.</summary>
    public RecoveryAction Next(DateTimeOffset now)
    {
        if (GaveUp)
        {
            return RecoveryAction.GiveUp;
        }

        Prune(now);
        if (!_consumerRecreated)
        {
            _consumerRecreated = true;
            return RecoveryAction.RecreateConsumer;
        }

        if (_restarts.Count >= maxRestarts)
        {
            GaveUp = true;
            return RecoveryAction.GiveUp;
        }

        _restarts.Enqueue(now);
        return RecoveryAction.RestartPipeline;
    }

    /// <summary>No stall for a whole window after the last step: the next stall starts from the first step again.</summary>
    public void Healed() => _consumerRecreated = false;

    private void Prune(DateTimeOffset now)
    {
        while (_restarts.Count > 0 && now - _restarts.Peek() >= restartWindow)
        {
            _restarts.Dequeue();
        }
    }
}
