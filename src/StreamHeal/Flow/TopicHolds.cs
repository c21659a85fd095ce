namespace StreamHeal.Flow;

/// <summary>
/// Topics whose partitions the poll loop keeps paused while a stage waits on something only that topic needs (a
/// table's new column becoming visible, a table the destination refuses), so other topics keep flowing. Thread-safe.
/// </summary>
public sealed class TopicHolds
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _holds = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Changes whenever the set of held topics changes.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void Hold(string topic)
    {
        lock (_gate)
        {
            _holds[topic] = _holds.GetValueOrDefault(topic) + 1;
            Interlocked.Increment(ref _version);
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

            Interlocked.Increment(ref _version);
        }
    }

    public bool IsHeld(string topic)
    {
        lock (_gate)
        {
            return _holds.ContainsKey(topic);
        }
    }
}
