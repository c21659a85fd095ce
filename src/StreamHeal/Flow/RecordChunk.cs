using StreamHeal.Records;

namespace StreamHeal.Flow;

/// <summary>
/// Records of one partition, in offset order, that travel between the stages together: Dataflow's per-message cost
/// (queueing, task scheduling, routing) is paid once per chunk instead of once per record. A stage takes out the
/// records it sends to the DLQ or completes on the spot and passes the rest on in order, so a poison record leaves its
/// chunk alone. Owned by one stage at a time.
/// </summary>
public sealed class RecordChunk
{
    /// <summary>Records per chunk at most: large enough that per-chunk costs vanish, small enough that a chunk of big events stays a small share of the in-flight budget.</summary>
    public const int MaxRecords = 256;

    private IngestRecord[] _records;

    public RecordChunk(IngestRecord first)
    {
        _records = new IngestRecord[8];
        _records[0] = first;
        Count = 1;
        Topic = first.Topic;
        Partition = first.Partition;
    }

    public string Topic { get; }

    public int Partition { get; }

    public int Count { get; private set; }

    public IngestRecord this[int index] => _records[index];

    public IngestRecord First => _records[0];

    /// <summary>True when the record may join this chunk (same partition, room left).</summary>
    public bool Accepts(IngestRecord record) =>
        Count < MaxRecords && record.Partition == Partition && string.Equals(record.Topic, Topic, StringComparison.Ordinal);

    public void Add(IngestRecord record)
    {
        if (Count == _records.Length)
        {
            Array.Resize(ref _records, Math.Min(_records.Length * 2, MaxRecords));
        }

        _records[Count++] = record;
    }

    /// <summary>True when some record is no longer on the main route (failed, or completed where it was found).</summary>
    public bool HasLeavers()
    {
        for (var i = 0; i < Count; i++)
        {
            if (_records[i].Route != RecordRoute.Main)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Removes every record not on the main route, keeping the order of the rest, and returns the removed ones.</summary>
    public List<IngestRecord> TakeLeavers()
    {
        var leavers = new List<IngestRecord>();
        var kept = 0;
        for (var i = 0; i < Count; i++)
        {
            var record = _records[i];
            if (record.Route == RecordRoute.Main)
            {
                _records[kept++] = record;
            }
            else
            {
                leavers.Add(record);
            }
        }

        Array.Clear(_records, kept, Count - kept);
        Count = kept;
        return leavers;
    }

    public override string ToString() => Count == 0 ? $"{Topic}[{Partition}] (empty)" : $"{Topic}[{Partition}]@{First.Offset}..{_records[Count - 1].Offset}";
}
