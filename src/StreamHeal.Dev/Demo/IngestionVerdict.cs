namespace StreamHeal.Dev.Demo;

/// <summary>
/// Compares what was produced with what the sink table and the DLQ topic hold, read back from them (never from
/// in-memory counters). A record is accounted for when it is in exactly one of the two, exactly once.
/// </summary>
public sealed record IngestionVerdict(long Produced, long Sunk, long DeadLettered, long Duplicates, long Missing)
{
    public bool Ok => Duplicates == 0 && Missing == 0 && Produced == Sunk + DeadLettered;

    /// <param name="produced">(partition, offset) of every produced record.</param>
    /// <param name="rows">(partition, offset) of every row in the sink table, duplicates included.</param>
    /// <param name="deadLetters">(partition, offset) of every DLQ record, duplicates included.</param>
    public static IngestionVerdict Compute(
        IReadOnlyCollection<(int Partition, long Offset)> produced,
        IEnumerable<(int Partition, long Offset)> rows,
        IEnumerable<(int Partition, long Offset)> deadLetters)
    {
        var seen = new HashSet<(int, long)>(produced.Count);
        long duplicates = 0;
        long sunk = 0;
        long dead = 0;
        foreach (var row in rows)
        {
            if (seen.Add(row))
            {
                sunk++;
            }
            else
            {
                duplicates++;
            }
        }

        foreach (var letter in deadLetters)
        {
            if (seen.Add(letter))
            {
                dead++;
            }
            else
            {
                duplicates++;
            }
        }

        long missing = 0;
        foreach (var position in produced)
        {
            if (!seen.Contains(position))
            {
                missing++;
            }
        }

        return new IngestionVerdict(produced.Count, sunk, dead, duplicates, missing);
    }
}
