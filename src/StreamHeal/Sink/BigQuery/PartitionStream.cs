using StreamHeal.Sink.BigQuery.Checkpoints;

namespace StreamHeal.Sink.BigQuery;

/// <summary>One Kafka partition's COMMITTED stream in exactly-once mode, and where it stands. Used by one task at a time.</summary>
internal sealed class PartitionStream
{
    // Sorted, so the checkpoint lists them in order and forgetting the done ones is a range.
    private readonly SortedSet<long> _rejected;

    public PartitionStream(int partition, StreamCheckpoint? checkpoint, long epoch)
    {
        Partition = partition;
        Epoch = epoch;
        Stream = string.IsNullOrEmpty(checkpoint?.Stream) ? null : checkpoint.Stream;
        NextRow = Stream is null ? 0 : checkpoint!.NextRow;
        NextKafka = checkpoint?.NextKafka ?? -1;
        _rejected = [.. checkpoint?.Rejected ?? []];
    }

    public int Partition { get; }

    /// <summary>This member's checkpoint epoch for the partition (see <see cref="CheckpointStore"/>).</summary>
    public long Epoch { get; }

    /// <summary>The stream's name, or null until one is created.</summary>
    public string? Stream { get; private set; }

    /// <summary>The stream's end as far as this writer knows: the offset of the next row appended.</summary>
    public long NextRow { get; private set; }

    /// <summary>Rows of Kafka offsets below this are in the stream (or were refused).</summary>
    public long NextKafka { get; set; }

    public StreamAppender? Appender { get; set; }

    /// <summary>Another member owns the partition now: nothing more is written for it by this one.</summary>
    public bool Fenced { get; set; }

    public bool IsRejected(long offset) => _rejected.Contains(offset);

    /// <summary>Refused offsets remembered, until every record below them is done (<see cref="ForgetRejectedBelow"/>).</summary>
    public int RejectedCount => _rejected.Count;

    public void AddRejected(long offset) => _rejected.Add(offset);

    /// <summary>
    /// Forgets refused offsets below <paramref name="doneBelow"/>: every record there is done, its dead letter
    /// acknowledged, so a replay that reports one of them as already written loses nothing.
    /// </summary>
    public void ForgetRejectedBelow(long doneBelow)
    {
        if (_rejected.Count > 0 && _rejected.Min < doneBelow)
        {
            _rejected.RemoveWhere(offset => offset < doneBelow);
        }
    }

    /// <summary><paramref name="rows"/> more rows are in the stream, the last of them from Kafka offset <paramref name="lastOffset"/>.</summary>
    public void Advance(int rows, long lastOffset)
    {
        NextRow += rows;
        NextKafka = Math.Max(NextKafka, lastOffset + 1);
    }

    /// <summary>Starts over on a new stream (null: create one at the next append).</summary>
    public void StartStream(string? stream)
    {
        Stream = stream;
        NextRow = 0;
    }

    public StreamCheckpoint ToCheckpoint() => new(Stream!, NextRow, NextKafka, [.. _rejected], Epoch);
}
