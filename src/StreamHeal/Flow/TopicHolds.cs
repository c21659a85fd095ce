namespace StreamHeal.Flow;

/// <summary>
/// Topics whose partitions the poll loop keeps paused while a stage waits on something only that topic needs (a
/// table's new column becoming visible, a table the destination refuses), so other topics keep flowing. Thread-safe.
/// </summary>
public sealed class TopicHolds
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _holds = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;

    /// <summary>Changes whenever the set of held topics changes.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Completes at the next change of the set of held topics (ask again after it completes).</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    public void Hold(string topic)
    {
        lock (_gate)
        {
            _holds[topic] = _holds.GetValueOrDefault(topic) + 1;
            SignalChange();
        }
    }

    public void Release(string topic)
    {
        lock (_gate)
        {
            if (!_holds.TryGetValue(topic, out var count))
            {
                return;
            }

            if (count <= 1)
            {
                _holds.Remove(topic);
            }
            else
            {
                _holds[topic] = count - 1;
            }

            SignalChange();
        }
    }

    public bool IsHeld(string topic)
    {
        lock (_gate)
        {
            return _holds.ContainsKey(topic);
        }
    }

    private void SignalChange()
    {
        Interlocked.Increment(ref _version);
        // Continuations run asynchronously, so nothing waiting on the change runs under the lock.
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
    }
}
