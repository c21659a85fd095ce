using System.Diagnostics.Tracing;

namespace StreamHeal.Throughput;

/// <summary>
/// The longest stop-the-world pause of this process while it listens: the runtime's own GC events, from the start of
/// the execution engine's suspension (GCSuspendEEBegin) to the end of its restart (GCRestartEEEnd). The counters the
/// runtime offers give the total pause, not the longest one.
/// </summary>
internal sealed class GcPauseListener : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const int SuspendBegin = 9;
    private const int RestartEnd = 3;

    private readonly Lock _gate = new();
    private DateTime? _suspendedAt;
    private TimeSpan _longest;

    /// <summary>The longest pause seen so far. Events arrive a little after the fact, so a pause in the last moments may be missing.</summary>
    public TimeSpan Longest
    {
        get
        {
            lock (_gate)
            {
                return _longest;
            }
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Called from the base constructor for sources that already exist, before this class's fields are set.
        if (eventSource.Name == RuntimeSource)
        {
            EnableEvents(eventSource, EventLevel.Informational, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventId is not (SuspendBegin or RestartEnd))
        {
            return;
        }

        lock (_gate)
        {
            if (eventData.EventId == SuspendBegin)
            {
                _suspendedAt = eventData.TimeStamp;
            }
            else if (_suspendedAt is { } start)
            {
                var pause = eventData.TimeStamp - start;
                if (pause > _longest)
                {
                    _longest = pause;
                }

                _suspendedAt = null;
            }
        }
    }
}
