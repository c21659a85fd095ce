using System.Collections.Concurrent;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.Logging;
using StreamHeal.Pipeline;
using StreamHeal.Records;
using StreamHeal.Telemetry;

namespace StreamHeal.CompatFilter;

/// <summary>
/// Compat-filter: applies the table's schema rules to each row. Each distinct (table, field, reason, types) is
/// logged once, not per event.
/// </summary>
internal static class CompatFilterStage
{
    private const int MaxDistinctLogged = 10_000;

    public static TransformBlock<IngestRecord, IngestRecord> Create(
        CompatFilter filter, SchemaCatalog catalog, PipelineMetrics metrics, ILogger logger, int parallelism, int capacity, CancellationToken cancellationToken)
    {
        var logged = new ConcurrentDictionary<(string, string, string, string?, string?), byte>();
        return new TransformBlock<IngestRecord, IngestRecord>(
            record =>
            {
                var row = record.Row!;
                var before = row.Quarantine.Count;
                var removed = filter.Apply(row, catalog.Get(record.Table));
                var total = row.Quarantine.Count;
                if (total > 0)
                {
                    metrics.RecordQuarantined(total);
                }

                for (var i = before; i < before + removed && i < total; i++)
                {
                    var q = row.Quarantine[i];
                    if (logged.Count < MaxDistinctLogged && logged.TryAdd((record.Table, q.Name, q.Reason, q.ExpectedType, q.ActualType), 0))
                    {
                        Log.FieldQuarantined(logger, record.Table, q.Name, q.Reason, q.ExpectedType, q.ActualType);
                    }
                }

                return record;
            },
            BlockOptions.Ordered(capacity, parallelism, cancellationToken));
    }
}
