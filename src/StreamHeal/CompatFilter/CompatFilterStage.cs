using System.Text;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.Logging;
using StreamHeal.Records;
using StreamHeal.SchemaState;
using StreamHeal.Telemetry;
using StreamHeal.Tables;
using StreamHeal.Flow;

namespace StreamHeal.CompatFilter;

/// <summary>
/// Compat-filter: applies the table's schema rules to each row, counts every removed field per (table, field,
/// reason), logs each distinct one once, and applies <c>schema.policy</c>: keep it in <c>_quarantine</c>, drop it,
/// or send the whole event to the DLQ.
/// </summary>
internal static class CompatFilterStage
{
    public const string Name = "compat-filter";

    /// <param name="registrar">
    /// When set, new columns are registered in the Schema Registry before the row goes on (the row waits for it; a
    /// registry that cannot be reached makes the new fields quarantine as <c>registry_unavailable</c> instead).
    /// </param>
    /// <param name="firstSeen">
    /// Told of the record that first brought each distinct (table, field, reason, from → to), with the removed field;
    /// called on the stage's threads, so it must return at once.
    /// </param>
    public static TransformBlock<RecordChunk, RecordChunk> Create(
        CompatFilter filter, SchemaViolationPolicy policy, SchemaCatalog catalog, SchemaRegistrar? registrar, QuarantineCounts counts,
        ITargetBlock<IngestRecord> deadLetters, PipelineMetrics metrics, ILogger logger, int parallelism, int capacity, CancellationToken cancellationToken,
        Action<IngestRecord, QuarantinedField>? firstSeen = null)
    {
        var options = BlockOptions.Ordered(capacity, parallelism, cancellationToken);
        var logged = new LogOnce(firstSeen);
        if (registrar is null)
        {
            return new TransformBlock<RecordChunk, RecordChunk>(
                chunk =>
                {
                    var schema = TableOf(chunk, catalog);
                    for (var i = 0; i < chunk.Count; i++)
                    {
                        var record = chunk[i];
                        filter.Apply(record.Row!, schema);
                        Conclude(record, policy, counts, logged, metrics, logger);
                    }

                    return ChunkRouting.SettleAsync(chunk, deadLetters, cancellationToken);
                },
                options);
        }

        return new TransformBlock<RecordChunk, RecordChunk>(
            async chunk =>
            {
                var schema = TableOf(chunk, catalog);
                for (var i = 0; i < chunk.Count; i++)
                {
                    var record = chunk[i];
                    var proposals = filter.ProposeColumns(record.Row!, schema);
                    if (proposals.Count > 0)
                    {
                        await registrar.EnsureAsync(schema, proposals, cancellationToken);
                    }

                    filter.Apply(record.Row!, schema, registerNew: false);
                    Conclude(record, policy, counts, logged, metrics, logger);
                }

                return await ChunkRouting.SettleAsync(chunk, deadLetters, cancellationToken);
            },
            options);
    }

    /// <summary>The table of every record in <paramref name="chunk"/>: a chunk is one partition's, and decode gives a topic one table.</summary>
    /// <remarks>Emptied chunks are dropped by the links, so a chunk here has a first record.</remarks>
    private static TableSchema TableOf(RecordChunk chunk, SchemaCatalog catalog) => catalog.Get(chunk.First.Table);

    private static void Conclude(
        IngestRecord record, SchemaViolationPolicy policy, QuarantineCounts counts, LogOnce logged, PipelineMetrics metrics, ILogger logger)
    {
        var row = record.Row!;
        var removed = row.Quarantine;
        if (removed.Count == 0)
        {
            return;
        }

        foreach (var field in removed)
        {
            metrics.RecordQuarantined(record.Table, field.Reason);
            counts.Increment(record.Table, field.Name, field.Reason);
            if (logged.First(record, field))
            {
                Log.FieldQuarantined(logger, record.Table, field.Name, field.Reason, field.ExpectedType, field.ActualType, policy);
            }
        }

        if (policy == SchemaViolationPolicy.Drop)
        {
            row.ClearQuarantine();
        }
        else if (policy == SchemaViolationPolicy.DeadLetter)
        {
            record.Fail(new DeadLetterReason("schema_violation", Describe(removed), Name));
        }
    }

    /// <summary>The DLQ message of the <c>dlq</c> policy: each removed field with its reason and types.</summary>
    internal static string Describe(IReadOnlyList<QuarantinedField> removed)
    {
        var text = new StringBuilder();
        foreach (var field in removed)
        {
            text.Append(text.Length == 0 ? "" : "; ").Append(field.Name).Append(": ").Append(field.Reason);
            if (field.ExpectedType is not null)
            {
                text.Append(" (expected ").Append(field.ExpectedType).Append(", got ").Append(field.ActualType).Append(')');
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Each distinct (table, field, reason, from → to) is logged once and reported to the first-seen callback; bounded
    /// so a flood of names cannot grow it.
    /// </summary>
    private sealed class LogOnce(Action<IngestRecord, QuarantinedField>? firstSeen)
    {
        private const int Capacity = 10_000;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string, string, string?, string?), byte> _seen = new();

        public bool First(IngestRecord record, QuarantinedField field)
        {
            if (_seen.Count >= Capacity || !_seen.TryAdd((record.Table, field.Name, field.Reason, field.ExpectedType, field.ActualType), 0))
            {
                return false;
            }

            firstSeen?.Invoke(record, field);
            return true;
        }
    }
}
