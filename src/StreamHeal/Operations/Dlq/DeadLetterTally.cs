namespace StreamHeal.Operations.Dlq;

/// <summary>
/// Counts dead letters the way an operator means them: the DLQ is at-least-once, so dead letters with the same
/// original topic, partition and offset are one record, counted once; the extra copies are counted as repeats.
/// </summary>
public sealed class DeadLetterTally
{
    private readonly HashSet<OriginalPosition> _seen = [];
    private readonly SortedDictionary<string, long> _byErrorType = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _byStage = new(StringComparer.Ordinal);

    /// <summary>Distinct records.</summary>
    public long Records { get; private set; }

    /// <summary>Dead letters whose original record was already counted.</summary>
    public long Repeats { get; private set; }

    public IReadOnlyDictionary<string, long> ByErrorType => _byErrorType;

    public IReadOnlyDictionary<string, long> ByStage => _byStage;

    /// <returns>True for the first dead letter of its original record, false for a repeat.</returns>
    public bool Add(DeadLetterRecord record)
    {
        if (!_seen.Add(record.Original))
        {
            Repeats++;
            return false;
        }

        Records++;
        _byErrorType[record.ErrorType] = _byErrorType.GetValueOrDefault(record.ErrorType) + 1;
        _byStage[record.ErrorStage] = _byStage.GetValueOrDefault(record.ErrorStage) + 1;
        return true;
    }
}
