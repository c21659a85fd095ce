using StreamHeal.DeadLetter;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>
/// What a fault did to a corpus whose poison is known in advance: every valid event must be in the table exactly
/// once, and the DLQ must hold exactly the poison, byte for byte as produced.
/// </summary>
/// <param name="DeadLetterRepeats">DLQ records for poison already in the DLQ: the DLQ is at least once (README).</param>
/// <param name="WronglyDeadLettered">DLQ records that are not the corpus's poison, or not its bytes as produced.</param>
public sealed record FaultVerdict(
    int Events, int Poison, long Lost, long Duplicated, long DeadLettered, long DeadLetterRepeats, long WronglyDeadLettered)
{
    /// <param name="produced">(partition, offset) of each event, by index.</param>
    /// <param name="poison">Whether event <c>i</c> is poison.</param>
    /// <param name="valueAt">The bytes event <c>i</c> was produced with.</param>
    /// <param name="rows">Every row position in the table, duplicates included.</param>
    /// <param name="deadLetters">Every DLQ record, repeats included.</param>
    public static FaultVerdict Compute(
        IReadOnlyList<(int Partition, long Offset)> produced,
        Func<int, bool> poison,
        Func<int, byte[]> valueAt,
        IEnumerable<(int Partition, long Offset)> rows,
        IEnumerable<DeadLetterEntry> deadLetters)
    {
        var indexOf = new Dictionary<(int, long), int>(produced.Count);
        for (var i = 0; i < produced.Count; i++)
        {
            indexOf[produced[i]] = i;
        }

        var inTable = new HashSet<(int, long)>();
        long duplicated = 0;
        foreach (var row in rows)
        {
            if (!inTable.Add(row))
            {
                duplicated++;
            }
        }

        var inDlq = new HashSet<(int, long)>();
        long wrong = 0;
        long repeats = 0;
        foreach (var letter in deadLetters)
        {
            var position = (letter.OriginalPartition, letter.OriginalOffset);
            var isPoison = indexOf.TryGetValue(position, out var index) && poison(index);
            if (!isPoison || !(letter.Value ?? []).AsSpan().SequenceEqual(valueAt(index)))
            {
                wrong++;
            }
            else if (!inDlq.Add(position))
            {
                repeats++;
            }
        }

        long lost = 0;
        var poisonCount = 0;
        for (var i = 0; i < produced.Count; i++)
        {
            var isPoison = poison(i);
            poisonCount += isPoison ? 1 : 0;
            if (!(isPoison ? inDlq : inTable).Contains(produced[i]))
            {
                lost++;
            }
        }

        return new FaultVerdict(produced.Count, poisonCount, lost, duplicated, inDlq.Count, repeats, wrong);
    }
}
