using Confluent.Kafka;

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
/// Re-produces selected dead letters to their original topic (or <see cref="ReplayOptions.To"/>). Progress is the
/// replay group's committed offset on the DLQ topic, committed right after each produce is acknowledged (idempotent
/// producer, acks=all), so a run cut short by Ctrl-C or a crash resumes after the last acknowledged record and
/// replays nothing twice. Records before that position are read again only to recognise repeats of what was replayed.
/// </summary>
public sealed class DeadLetterReplayer(OperatorConnection connection, ReplayOptions options, TimeProvider timeProvider)
{
    public async Task<ReplaySummary> RunAsync(IProgress<ReplayProgress>? progress, CancellationToken cancellationToken)
    {
        var summary = new ReplaySummary();
        var planner = new ReplayPlanner(options.Filter, options.MaxReplays, options.To is not null);
        using var scan = DeadLetterScan.Open(connection, options.DlqTopic, options.ReplayGroup);
        var committed = await Task.Run(() => ReadCommitted(scan), CancellationToken.None);
        var total = scan.Ranges.Sum(r => r.Value.High - Math.Max(r.Value.Low, committed.GetValueOrDefault(r.Key, r.Value.Low)));
        using var producer = options.DryRun ? null : new ProducerBuilder<byte[]?, byte[]?>(connection.Producer()).SetLogHandler(static (_, _) => { }).Build();
        var handled = new Dictionary<int, long>();
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

                // Checked between records only: a produce in flight is always awaited and committed, so an interrupt
                // never leaves a delivered record uncommitted (which the next run would send again).
                if (cancellationToken.IsCancellationRequested)
                {
                    summary.Interrupted = true;
                    break;
                }

                read++;
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

                            if (!await ProduceAsync(producer!, record, summary))
                            {
                                break;
                            }

                            handled[record.DlqPartition] = record.DlqOffset + 1;
                            Commit(scan, handled, record.DlqPartition);
                        }

                        summary.Replayed++;
                        summary.ReplayedByErrorType[record.ErrorType] = summary.ReplayedByErrorType.GetValueOrDefault(record.ErrorType) + 1;
                        break;
                    case ReplayVerdict.FilteredOut:
                        summary.SkippedByFilter++;
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

                handled[record.DlqPartition] = record.DlqOffset + 1;
                progress?.Report(new ReplayProgress(read, total, summary.Replayed));
            }

            if (!summary.Interrupted && summary.Failed == 0)
            {
                // Probe records at the end of a partition are read but never yielded; the cursor passes them too.
                foreach (var (partition, range) in scan.Ranges)
                {
                    if (range.High > committed.GetValueOrDefault(partition, -1) && range.High > range.Low)
                    {
                        handled[partition] = range.High;
                    }
                }
            }

            if (!options.DryRun && handled.Count > 0)
            {
                Commit(scan, handled, null);
            }
        }
        finally
        {
            producer?.Flush(TimeSpan.FromSeconds(10));
        }

        return summary;
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

    private static void Commit(DeadLetterScan scan, Dictionary<int, long> handled, int? only)
    {
        var offsets = handled.Where(h => only is null || h.Key == only)
            .Select(h => new TopicPartitionOffset(scan.Topic, h.Key, h.Value)).ToList();
        scan.Consumer.Commit(offsets);
    }
}
