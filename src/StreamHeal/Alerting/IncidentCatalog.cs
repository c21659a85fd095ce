using System.Globalization;

namespace StreamHeal.Alerting;

/// <summary>
/// Every incident StreamHeal raises, with its stable key, its severity and the context a person needs to act.
/// Pure functions of their arguments (the time is passed in), so tests and the <c>alerts test</c> command build the
/// same incidents the pipeline raises.
/// </summary>
public static class IncidentCatalog
{
    public const string SinkUnavailable = "sink_unavailable";
    public const string DeadLetterUnavailable = "dlq_unavailable";
    public const string ExactlyOnceLost = "exactly_once_lost";
    public const string ConsumerStalled = "consumer_stalled";
    public const string PipelineFailed = "pipeline_failed";
    public const string OffsetReset = "offset_reset";
    public const string SchemaRegistryUnavailable = "schema_registry_unavailable";
    public const string LagHigh = "lag_high";
    public const string DeadLetterSurge = "dead_letter_surge";
    public const string PipelineRestarted = "pipeline_restarted";
    public const string TypeFlip = "type_flip";
    public const string CaseCollision = "case_collision";
    public const string ColumnAdded = "column_added";
    public const string Recovered = "recovered";
    public const string Test = "alert_test";

    /// <summary>The kinds and their severities, in the order the README's table lists them.</summary>
    public static IReadOnlyList<(string Kind, AlertSeverity Severity)> Kinds { get; } =
    [
        (SinkUnavailable, AlertSeverity.Critical), (DeadLetterUnavailable, AlertSeverity.Critical), (ExactlyOnceLost, AlertSeverity.Critical),
        (ConsumerStalled, AlertSeverity.Critical), (PipelineFailed, AlertSeverity.Critical), (OffsetReset, AlertSeverity.Critical),
        (SchemaRegistryUnavailable, AlertSeverity.High), (LagHigh, AlertSeverity.High), (DeadLetterSurge, AlertSeverity.High),
        (PipelineRestarted, AlertSeverity.High), (TypeFlip, AlertSeverity.Medium), (CaseCollision, AlertSeverity.Medium),
        (ColumnAdded, AlertSeverity.Low), (Recovered, AlertSeverity.Low),
    ];

    public static Incident SinkDown(string sink, TimeSpan down, string error, DateTimeOffset since) => new(
        SinkUnavailable, SinkUnavailable + ":" + sink, AlertSeverity.Critical,
        Invariant($"The {sink} sink has been unavailable for {down.TotalSeconds:0} s"),
        Invariant($"Sink writes fail and are retried; partitions stay paused and nothing is committed past the outage. Last error: {Truncate(error)}"),
        Labels(("sink", sink)), since);

    public static Incident DeadLetterDown(string error, DateTimeOffset since) => new(
        DeadLetterUnavailable, DeadLetterUnavailable, AlertSeverity.Critical,
        "The DLQ broker does not acknowledge dead letters",
        Invariant($"Dead letters are retried; their offsets are not committed until the DLQ acknowledges them. Last error: {Truncate(error)}"),
        Labels(), since);

    /// <summary>
    /// The sink reports losses as a count; the log (event 1206) names the table, partition, stream and first offset of
    /// each, which is where a person looks next.
    /// </summary>
    public static Incident ExactlyOnceLostIn(string sink, long losses, DateTimeOffset at) => new(
        ExactlyOnceLost, ExactlyOnceLost + ":" + sink, AlertSeverity.Critical,
        Invariant($"Exactly-once delivery was lost {losses} time(s) in the {sink} sink"),
        "Rows from the offsets the log names (event 1206: table, partition, first offset) may be duplicated.",
        Labels(("sink", sink)), at);

    /// <param name="starved">Judged by the other partitions: they were read while this one was not.</param>
    public static Incident Stalled(string topic, int partition, long lag, TimeSpan stuckFor, bool starved, string where, DateTimeOffset since) => new(
        ConsumerStalled, Invariant($"{ConsumerStalled}:{topic}:{partition}"), AlertSeverity.Critical,
        starved
            ? Invariant($"Partition {topic}[{partition}] has not been read for {stuckFor.TotalSeconds:0} s while other partitions were, with lag {lag}")
            : Invariant($"Partition {topic}[{partition}] has not committed for {stuckFor.TotalSeconds:0} s with lag {lag}"),
        Invariant($"No known outage explains it. Records: {where}"),
        Labels(("topic", topic)), since);

    public static Incident Failed(string reason, DateTimeOffset at) => new(
        PipelineFailed, PipelineFailed, AlertSeverity.Critical,
        "The pipeline stopped and cannot go on",
        Truncate(reason),
        Labels(), at);

    public static Incident OffsetResetOn(string topic, string range, DateTimeOffset at) => new(
        OffsetReset, OffsetReset + ":" + topic, AlertSeverity.Critical,
        Invariant($"Committed offsets of {topic} were no longer on the broker"),
        Invariant($"Records were skipped and are lost to this pipeline: {range}"),
        Labels(("topic", topic)), at);

    public static Incident RegistryDegraded(DateTimeOffset since) => new(
        SchemaRegistryUnavailable, SchemaRegistryUnavailable, AlertSeverity.High,
        "The Schema Registry is unavailable: schema state is kept in this process only (degraded mode)",
        "New columns are not registered until it returns; ingestion goes on.",
        Labels(), since);

    /// <summary>Critical above <paramref name="critical"/>, high above <paramref name="warning"/>; null at or below the warning.</summary>
    public static Incident? Lag(string topic, long lag, long warning, long critical, DateTimeOffset at) =>
        lag <= warning
            ? null
            : new Incident(
                LagHigh, LagHigh + ":" + topic, lag > critical ? AlertSeverity.Critical : AlertSeverity.High,
                Invariant($"Consumer lag on {topic} is {lag} messages"),
                Invariant($"Above alerts.{(lag > critical ? "lagCritical" : "lagWarning")} ({(lag > critical ? critical : warning)})."),
                Labels(("topic", topic)), at);

    public static Incident DeadLetterSurgeOf(long perMinute, long limit, string topErrors, DateTimeOffset at) => new(
        DeadLetterSurge, DeadLetterSurge, AlertSeverity.High,
        Invariant($"{perMinute} dead letters in the last minute (alerts.deadLettersPerMinute is {limit})"),
        topErrors.Length == 0 ? "Read the DLQ topic's streamheal.* headers for the reasons." : "Top error types: " + topErrors,
        Labels(), at);

    public static Incident Restarted(string reason, DateTimeOffset at) => new(
        PipelineRestarted, PipelineRestarted, AlertSeverity.High,
        "The pipeline was restarted in-process", Truncate(reason), Labels(), at);

    /// <summary>The offending value is cut at <see cref="MaxSampleValue"/> characters: it may be large, or personal.</summary>
    public static Incident TypeFlipOf(string table, string field, string from, string to, int partition, long offset, string value, DateTimeOffset at) => new(
        TypeFlip, Invariant($"{TypeFlip}:{table}:{field}:{from}->{to}"), AlertSeverity.Medium,
        Invariant($"Field {field} of {table} changed type ({from} → {to}); the values go to _quarantine"),
        Invariant($"Rows are kept; the field is quarantined. First seen at partition {partition}, offset {offset}, value {Truncate(value, MaxSampleValue)}"),
        Labels(("table", table)), at);

    public static Incident CaseCollisionOf(string table, string names, DateTimeOffset at) => new(
        CaseCollision, Invariant($"{CaseCollision}:{table}:{names}"), AlertSeverity.Medium,
        Invariant($"Fields of {table} differ only by case ({names}); one goes to _quarantine"),
        "Rows are kept; fix the producer's field names.", Labels(("table", table)), at);

    public static Incident ColumnAddedTo(string table, string column, string type, DateTimeOffset at) => new(
        ColumnAdded, Invariant($"{ColumnAdded}:{table}:{column}:{type}"), AlertSeverity.Low,
        Invariant($"Column {column} ({type}) was added to {table}"), "The table grew a column from new events.",
        Labels(("table", table)), at);

    /// <summary>A critical or high condition cleared; keyed by the cleared incident, so each recovery is told once.</summary>
    public static Incident RecoveredFrom(Incident cleared, DateTimeOffset at) => new(
        Recovered, Recovered + ":" + cleared.Key, AlertSeverity.Low,
        Invariant($"Recovered: {cleared.Kind} cleared after {(at - cleared.StartsAt).TotalSeconds:0} s"),
        cleared.Summary, cleared.Labels, at);

    public static Incident TestIncident(AlertSeverity severity, DateTimeOffset at) => new(
        Test, Test, severity,
        "StreamHeal alert test", "Sent by `streamheal alerts test`; no action needed.", Labels(), at);

    private const int MaxText = 500;

    /// <summary>Characters of an offending value shown in a <c>type_flip</c> sample.</summary>
    public const int MaxSampleValue = 64;

    private static string Truncate(string text, int max = MaxText) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");

    private static Dictionary<string, string> Labels(params (string Name, string Value)[] labels)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in labels)
        {
            map[name] = value;
        }

        return map;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
