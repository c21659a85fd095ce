namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>One measured fault: what was done, to how many events, and what came out of the table and the DLQ.</summary>
/// <param name="Lost">Valid events missing from the table plus poison missing from the DLQ.</param>
/// <param name="Duplicated">Table rows beyond the first for the same (partition, offset).</param>
/// <param name="DeadLettered">Distinct (partition, offset) in the DLQ.</param>
/// <param name="DeadLetterRepeats">DLQ records for poison already there (the DLQ is at least once; not a goal).</param>
/// <param name="WronglyDeadLettered">DLQ records that are not the corpus's own poison, or not its bytes as produced.</param>
/// <param name="Resume">From the fault clearing to the next row reaching the sink; zero when the flow never stopped, null when it did not resume.</param>
/// <param name="ResumeGoal">How soon it must resume, where the issue sets a goal (a broker coming back); elsewhere it only must resume.</param>
public sealed record ReliabilityRow(
    string Family,
    string Fault,
    string Injection,
    string Test,
    int Events,
    int Poison,
    long Lost,
    long Duplicated,
    long DeadLettered,
    long DeadLetterRepeats,
    long WronglyDeadLettered,
    TimeSpan? Resume,
    TimeSpan? ResumeGoal,
    string? Note)
{
    /// <summary>The goal: rows again within this long of a broker coming back.</summary>
    public static readonly TimeSpan BrokerResumeGoal = TimeSpan.FromSeconds(5);

    public bool MeetsGoals => Lost == 0 && Duplicated == 0 && WronglyDeadLettered == 0 && Note is null
        && Resume is { } resume && (ResumeGoal is not { } goal || resume <= goal);
}

/// <summary>Collects the rows of one run of the fault matrix; tests record before they assert, so a failure still shows.</summary>
public sealed class ReliabilityRecorder
{
    /// <summary>Names the markdown file the matrix is written to when the collection ends (unset: nothing is written).</summary>
    public const string ReportVariable = "STREAMHEAL_RELIABILITY_REPORT";

    private readonly Lock _lock = new();
    private readonly List<ReliabilityRow> _rows = [];

    public IReadOnlyList<ReliabilityRow> Rows
    {
        get
        {
            lock (_lock)
            {
                return [.. _rows];
            }
        }
    }

    public void Record(ReliabilityRow row)
    {
        lock (_lock)
        {
            _rows.Add(row);
        }
    }
}
