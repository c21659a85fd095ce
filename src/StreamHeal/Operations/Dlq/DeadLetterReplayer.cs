using Confluent.Kafka;
using StreamHeal.DeadLetter;

namespace StreamHeal.Operations.Dlq;

/// <summary>What <c>dlq replay</c> does; see <see cref="DeadLetterReplayer"/>.</summary>
public sealed record ReplayOptions(string DlqTopic, string ReplayGroup)
{
    public const int DefaultMaxReplays = 3;

    public DeadLetterFilter Filter { get; init; } = DeadLetterFilter.All;

    /// <summary>Destination for every record; null sends each to its <c>streamheal.original.topic</c>.</summary>
    public string? To { get; init; }

    /// <summary>A record replayed this often already is skipped and reported. Default 3.</summary>
    public int MaxReplays { get; init; } = DefaultMaxReplays;

    /// <summary>Records per second at most; null for no limit.</summary>
    public double? Rate { get; init; }

    /// <summary>Read and decide, but produce nothing and commit nothing.</summary>
    public bool DryRun { get; init; }
}

public readonly record struct ReplayProgress(long Read, long Total, long Replayed);

/// <summary>A dead letter that was not replayed, with the reason, for the report.</summary>
public sealed record ReplaySkip(string DlqPosition, OriginalPosition Original, string ErrorType, ReplayVerdict Verdict, int ReplayCount);

public sealed class ReplaySummary
{
    public long Replayed { get; internal set; }

    /// <summary>Already behind the replay group's committed position: handled by an earlier run.</summary>
    public long AlreadyHandled { get; internal set; }

    public long SkippedByFilter { get; internal set; }

    public long Repeats { get; internal set; }

    public long SkippedOverMaxReplays { get; internal set; }

    public long Unreplayable { get; internal set; }

    public long Failed { get; internal set; }

    public string? FailureMessage { get; internal set; }

    /// <summary>Cancelled before the end; progress up to the last acknowledged record is committed.</summary>
    public bool Interrupted { get; internal set; }

    /// <summary>Replayed (or, in a dry run, to be replayed) records per error type.</summary>
    public SortedDictionary<string, long> ReplayedByErrorType { get; } = new(StringComparer.Ordinal);

    /// <summary>Over max replays and unreplayable records, each named.</summary>
    public List<ReplaySkip> Skipped { get; } = [];
}

/// <summary>
/// Re-produces selected dead letters to their original topic (or <see cref="ReplayOptions.To"/>).
/// <para>
/// Progress is kept per record. Once a record's produce is acknowledged (idempotent producer, acks=all), a replay
/// marker naming it (<see cref="DeadLetterHeaders.Replayed"/>, no value) is appended to its DLQ partition and
/// acknowledged too; a later run reads the markers first and skips what they name. The replay group's committed offset
/// on each DLQ partition is only a shortcut: the end of the prefix in which every record is settled (replayed, a
/// repeat, over max replays, or unreplayable). A record the filter skipped is not settled, so it stops that prefix
/// and a later run with another filter still finds it. So runs with different filters each replay their own records,
/// re-running any of them replays nothing twice, and a run cut short by Ctrl-C resumes after the last acknowledged
/// record. A crash (not Ctrl-C) between a record's produce and its marker replays that one record again.
/// </para>
/// </summary>
public sealed class DeadLetterReplayer(OperatorConnection connection, ReplayOptions options, TimeProvider timeProvider)
{
    public async Task<ReplaySummary> RunAsync(IProgress<ReplayProgress>? progress, CancellationToken cancellationToken)
    {
        var summary = new ReplaySummary();
        var planner = new ReplayPlanner(options.Filter, options.MaxReplays, options.To is not null);
        using var scan = DeadLetterScan.Open(connection, options.DlqTopic, options.ReplayGroup);
        var committed = await Task.Run(() => ReadCommitted(scan), CancellationToken.None);
        // First a pass over the whole DLQ for what earlier runs settled: the markers (the records they name are past the
        // committed prefix too) and every record inside the prefix. So a repeat of a settled record in another
        // partition is known whatever order the partitions are read in below, and is not replayed twice.
        await foreach (var record in scan.ReadAsync(CancellationToken.None))
        {
            if (record.DlqOffset < committed.GetValueOrDefault(record.DlqPartition, -1))
            {
                planner.MarkHandled(record);
            }
        }

        var replayed = new HashSet<string>(scan.ReplayMarkers.Keys, StringComparer.Ordinal);
        foreach (var original in scan.ReplayMarkers.Values.Where(static o => o.Offset >= 0))
        {
            planner.MarkHandled(original);
        }

        var total = scan.Ranges.Sum(r => r.Value.High - Math.Max(r.Value.Low, committed.GetValueOrDefault(r.Key, r.Value.Low)));
        using var producer = options.DryRun ? null : new ProducerBuilder<byte[]?, byte[]?>(connection.Producer()).SetLogHandler(static (_, _) => { }).Build();
        // Per partition: the end of the settled prefix, and whether a record the filter skipped ended it in this run.
        var settled = new Dictionary<int, long>();
        var open = new HashSet<int>();
        var started = timeProvider.GetTimestamp();
        long read = 0;
        try
        {
            await foreach (var record in scan.ReadAsync(CancellationToken.None))
            {
                if (record.DlqOffset < committed.GetValueOrDefault(record.DlqPartition, -1))
                {
                    planner.MarkHandled(record);
                    summary.AlreadyHandled++;
                    continue;
                }

                // Checked between records only: a produce in flight is always awaited and marked, so an interrupt
                // never leaves a delivered record unmarked (which the next run would send again).
                if (cancellationToken.IsCancellationRequested)
                {
                    summary.Interrupted = true;
                    break;
                }

                read++;
                if (replayed.Contains(record.DlqPosition))
                {
                    planner.MarkHandled(record);
                    summary.AlreadyHandled++;
                    Settle(settled, open, record);
                    progress?.Report(new ReplayProgress(read, total, summary.Replayed));
                    continue;
                }

                var verdict = planner.Decide(record);
                switch (verdict)
                {
                    case ReplayVerdict.Replay:
                        if (!options.DryRun)
                        {
                            if (!await PaceAsync(started, summary.Replayed, cancellationToken))
                            {
                                summary.Interrupted = true;
                                break;
                            }

                            if (!await ProduceAsync(producer!, record, summary) || !await MarkAsync(producer!, record, summary))
                            {
                                break;
                            }
                        }

                        summary.Replayed++;
                        summary.ReplayedByErrorType[record.ErrorType] = summary.ReplayedByErrorType.GetValueOrDefault(record.ErrorType) + 1;
                        break;
                    case ReplayVerdict.FilteredOut:
                        summary.SkippedByFilter++;
                        open.Add(record.DlqPartition);
                        break;
                    case ReplayVerdict.Repeat:
                        summary.Repeats++;
                        break;
                    case ReplayVerdict.OverMaxReplays:
                        summary.SkippedOverMaxReplays++;
                        summary.Skipped.Add(new ReplaySkip(record.DlqPosition, record.Original, record.ErrorType, verdict, record.ReplayCount));
                        break;
                    default:
                        summary.Unreplayable++;
                        summary.Skipped.Add(new ReplaySkip(record.DlqPosition, record.Original, record.ErrorType, verdict, record.ReplayCount));
                        break;
                }

                if (summary.Interrupted || summary.Failed > 0)
                {
                    break;
                }

                if (Settle(settled, open, record) && verdict == ReplayVerdict.Replay && !options.DryRun)
                {
                    // Committed at once after a replay, so the next run need not read its marker.
                    Commit(scan, settled.Where(s => s.Key == record.DlqPartition));
                }

                progress?.Report(new ReplayProgress(read, total, summary.Replayed));
            }

            if (!summary.Interrupted && summary.Failed == 0)
            {
                // Probe records and markers at the end of a partition are read but never yielded; the prefix passes them too.
                foreach (var (partition, range) in scan.Ranges)
                {
                    if (!open.Contains(partition) && range.High > range.Low && range.High > committed.GetValueOrDefault(partition, -1))
                    {
                        settled[partition] = range.High;
                    }
                }
            }

            if (!options.DryRun && !summary.Interrupted && summary.Failed == 0 && summary.Replayed > 0)
            {
                await PassOwnMarkersAsync(scan, settled, open);
            }

            if (!options.DryRun && settled.Count > 0)
            {
                Commit(scan, settled);
            }
        }
        finally
        {
            producer?.Flush(TimeSpan.FromSeconds(10));
        }

        return summary;
    }

    /// <summary>
    /// The markers this run wrote lie past the snapshot it read; a partition whose prefix reached the snapshot's end
    /// moves on past them (and past probes), up to the first dead letter written since, so the group shows no lag for
    /// markers alone.
    /// </summary>
    private async Task PassOwnMarkersAsync(DeadLetterScan scan, Dictionary<int, long> settled, HashSet<int> open)
    {
        using var tail = DeadLetterScan.Open(connection, options.DlqTopic, options.ReplayGroup);
        var from = scan.Ranges.ToDictionary(static r => r.Key, static r => r.Value.High);
        var firstDeadLetter = new Dictionary<int, long>();
        await foreach (var record in tail.ReadAsync(CancellationToken.None, from))
        {
            firstDeadLetter.TryAdd(record.DlqPartition, record.DlqOffset);
        }

        foreach (var (partition, range) in tail.Ranges)
        {
            if (!open.Contains(partition) && settled.GetValueOrDefault(partition, -1) == from.GetValueOrDefault(partition, -2) && range.High > from[partition])
            {
                settled[partition] = firstDeadLetter.GetValueOrDefault(partition, range.High);
            }
        }
    }

    /// <summary>Moves the partition's settled prefix past <paramref name="record"/>; false when a record the filter skipped ended it.</summary>
    private static bool Settle(Dictionary<int, long> settled, HashSet<int> open, DeadLetterRecord record)
    {
        if (open.Contains(record.DlqPartition))
        {
            return false;
        }

        settled[record.DlqPartition] = record.DlqOffset + 1;
        return true;
    }

    private static Dictionary<int, long> ReadCommitted(DeadLetterScan scan)
    {
        var partitions = scan.Ranges.Keys.Select(p => new TopicPartition(scan.Topic, p)).ToList();
        return scan.Consumer.Committed(partitions, OperatorConnection.RequestTimeout)
            .Where(static c => c.Offset.Value >= 0)
            .ToDictionary(static c => c.Partition.Value, static c => c.Offset.Value);
    }

    private async Task<bool> ProduceAsync(IProducer<byte[]?, byte[]?> producer, DeadLetterRecord record, ReplaySummary summary)
    {
        var destination = options.To ?? record.OriginalTopic!;
        try
        {
            // Not cancelled on purpose: once sent, the record must be acknowledged and committed (see RunAsync).
            await producer.ProduceAsync(destination, ReplayMessage.Build(record), CancellationToken.None);
            return true;
        }
        catch (ProduceException<byte[]?, byte[]?> e)
        {
            summary.Failed++;
            summary.FailureMessage = $"Producing {record.DlqPosition} to '{destination}' failed: {e.Error.Reason} ({e.Error.Code}). Progress is committed up to the record before it; fix the cause and run the replay again.";
            return false;
        }
    }

    /// <returns>False when cancelled while waiting.</returns>
    private async Task<bool> PaceAsync(long started, long sent, CancellationToken cancellationToken)
    {
        if (options.Rate is not { } rate)
        {
            return true;
        }

        var due = TimeSpan.FromSeconds(sent / rate) - timeProvider.GetElapsedTime(started);
        if (due <= TimeSpan.Zero)
        {
            return true;
        }

        try
        {
            await Task.Delay(due, timeProvider, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static void Commit(DeadLetterScan scan, IEnumerable<KeyValuePair<int, long>> offsets) =>
        scan.Consumer.Commit(offsets.Select(o => new TopicPartitionOffset(scan.Topic, o.Key, o.Value)).ToList());

    /// <summary>Appends the replay marker of <paramref name="record"/> to its DLQ partition and waits for the acknowledgement.</summary>
    private static async Task<bool> MarkAsync(IProducer<byte[]?, byte[]?> producer, DeadLetterRecord record, ReplaySummary summary)
    {
        try
        {
            // Not cancelled on purpose, like the produce it records.
            await producer.ProduceAsync(new TopicPartition(record.DlqTopic, record.DlqPartition), ReplayMessage.Marker(record), CancellationToken.None);
            return true;
        }
        catch (ProduceException<byte[]?, byte[]?> e)
        {
            summary.Failed++;
            summary.FailureMessage = $"{record.DlqPosition} was replayed, but its replay marker could not be written to '{record.DlqTopic}': {e.Error.Reason} ({e.Error.Code}). A later run replays it again; fix the cause (the replay needs to write to the DLQ topic) and run the replay again.";
            return false;
        }
    }
}
