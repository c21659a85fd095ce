using Confluent.Kafka;
using StreamHeal.Offsets;

namespace StreamHeal.Poll;

/// <summary>
/// What the poll thread knows of each partition it owns: the tracker generation of the assignment, the last offset
/// polled and where the assignment started. Poll thread only, except <see cref="Snapshot"/>.
/// </summary>
internal sealed class PartitionPositions(OffsetTracker tracker)
{
    private readonly Dictionary<TopicPartition, long> _generations = [];
    private readonly Dictionary<TopicPartition, long> _lastPolled = [];
    private readonly Dictionary<TopicPartition, DateTimeOffset> _lastPolledTimestamps = [];
    private readonly Dictionary<TopicPartition, Offset> _starts = [];
    private readonly Dictionary<TopicPartition, long> _resetFrom = [];
    private IReadOnlyList<TopicPartition> _snapshot = [];

    public IReadOnlyCollection<TopicPartition> Owned => _generations.Keys;

    public int Count => _generations.Count;

    /// <summary>The owned partitions, safe to read from any thread.</summary>
    public IReadOnlyList<TopicPartition> Snapshot => Volatile.Read(ref _snapshot);

    public bool TryGetGeneration(TopicPartition partition, out long generation) => _generations.TryGetValue(partition, out generation);

    public bool Owns(TopicPartition partition) => _generations.ContainsKey(partition);

    public bool TryGetLastPolled(TopicPartition partition, out long offset) => _lastPolled.TryGetValue(partition, out offset);

    /// <summary>Starts a new tracker generation for the partition; its earlier positions are forgotten.</summary>
    public long Begin(TopicPartition partition, Offset start)
    {
        var generation = tracker.Assign(partition);
        _generations[partition] = generation;
        _lastPolled.Remove(partition);
        _lastPolledTimestamps.Remove(partition);
        _starts[partition] = start;
        _resetFrom.Remove(partition);
        Publish();
        return generation;
    }

    public void Polled(TopicPartition partition, long offset, DateTimeOffset timestamp)
    {
        _lastPolled[partition] = offset;
        _lastPolledTimestamps[partition] = timestamp;
    }

    /// <summary>Offsets up to <paramref name="offset"/> were passed without a record (see <see cref="RecordAdmission.PassTo"/>).</summary>
    public void Passed(TopicPartition partition, long offset) => _lastPolled[partition] = offset;

    /// <summary>
    /// An offset reset: the partition's next fetch starts at <paramref name="next"/>, which is past everything polled
    /// under this generation (or nothing was polled), because <paramref name="from"/> is gone from the broker. Setting
    /// the assignment again, for this partition or another one's reset, then puts it there rather than back at the
    /// offset the broker no longer has.
    /// </summary>
    public void RestartAt(TopicPartition partition, long next, long from)
    {
        if (_lastPolled.ContainsKey(partition))
        {
            _lastPolled[partition] = next - 1;
        }
        else
        {
            _starts[partition] = new Offset(next);
        }

        if (from >= 0)
        {
            _resetFrom[partition] = from;
        }
    }

    /// <summary>
    /// True when this assignment of the partition was already reset away from <paramref name="offset"/> and is not
    /// reading there now. The client delivers a fetch's error in order after the records before it, so an error of
    /// the current position has the next offset to poll as its offset (unless offsets with no record, transaction
    /// markers, lie between and the lag refresh has not passed them yet); one for another offset is left over from a
    /// fetch of an earlier assignment. When the partition does reach that offset again and it is gone again, that is
    /// a new loss, and a new reset.
    /// </summary>
    public bool WasResetFrom(TopicPartition partition, long offset) =>
        offset >= 0 && _resetFrom.TryGetValue(partition, out var from) && from == offset && NextPosition(partition).Value != offset;

    /// <summary>The Kafka timestamp of the last record polled from the partition.</summary>
    public bool TryGetLastPolledTimestamp(TopicPartition partition, out DateTimeOffset timestamp) => _lastPolledTimestamps.TryGetValue(partition, out timestamp);

    /// <summary>Where the partition's next fetch starts: after the last polled offset, or where it was assigned.</summary>
    public Offset NextPosition(TopicPartition partition) =>
        _lastPolled.TryGetValue(partition, out var polled) ? new Offset(polled + 1) : _starts.GetValueOrDefault(partition, Offset.Unset);

    public void Forget(TopicPartition partition)
    {
        _generations.Remove(partition);
        _lastPolled.Remove(partition);
        _lastPolledTimestamps.Remove(partition);
        _starts.Remove(partition);
        _resetFrom.Remove(partition);
        Publish();
    }

    private void Publish() => Volatile.Write(ref _snapshot, [.. _generations.Keys]);
}
