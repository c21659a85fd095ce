using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.Logging;
using StreamHeal.Batch;
using StreamHeal.CompatFilter;
using StreamHeal.Pipeline;
using StreamHeal.Records;
using StreamHeal.Retry;
using StreamHeal.Telemetry;

namespace StreamHeal.Sink;

/// <summary>
/// Sink: writes each batch, retrying in place while the sink is unavailable (the batch keeps its slot, the pipeline
/// backs up, Kafka is paused). New columns are added before the first row that uses them. Confirmed rows complete;
/// rows the destination refused go to the DLQ with its message. Schema conflicts and duplicates fault the pipeline.
/// </summary>
internal static class SinkStage
{
    public const string Name = "sink";

    public static ActionBlock<Batch<IngestRecord>> Create(
        ISink sink,
        SchemaCatalog catalog,
        DependencyRetry retry,
        RecordCompletion completion,
        ITargetBlock<IngestRecord> deadLetters,
        PipelineMetrics metrics,
        ILogger logger,
        int capacity,
        CancellationToken cancellationToken)
    {
        var knownVersions = new Dictionary<string, long>(StringComparer.Ordinal);
        return new ActionBlock<Batch<IngestRecord>>(
            async batch =>
            {
                var table = batch.Key;
                var snapshot = catalog.Get(table).Current;
                if (!knownVersions.TryGetValue(table, out var known) || known < snapshot.Version)
                {
                    await retry.ExecuteAsync(
                        static (s, ct) => s.sink.EnsureTableAsync(s.table, s.columns, ct),
                        (sink, table, columns: snapshot.Columns),
                        cancellationToken);
                    Log.TableReady(logger, table, snapshot.Columns.Count, snapshot.Version);
                    knownVersions[table] = snapshot.Version;
                }

                var records = batch.Items;
                var rows = new SinkRow[records.Count];
                for (var i = 0; i < rows.Length; i++)
                {
                    var record = records[i];
                    rows[i] = new SinkRow(record.Partition, record.Offset, record.Timestamp, record.Row!);
                }

                var sinkBatch = new SinkBatch(table, records[0].Topic, snapshot.Columns, rows);
                var result = await retry.ExecuteAsync(static (s, ct) => s.sink.WriteAsync(s.sinkBatch, ct), (sink, sinkBatch), cancellationToken);

                var written = 0;
                var replayed = 0;
                for (var i = 0; i < rows.Length; i++)
                {
                    var record = records[i];
                    switch (result[i])
                    {
                        case RowOutcome.Written:
                            written++;
                            completion.Complete(record);
                            break;
                        case RowOutcome.AlreadyWritten:
                            replayed++;
                            completion.Complete(record);
                            break;
                        default:
                            record.Fail(new DeadLetterReason("sink_rejected", result.ErrorFor(i) ?? "rejected by the sink", Name));
                            await deadLetters.SendAsync(record, cancellationToken);
                            break;
                    }
                }

                metrics.RecordSunk(written);
                metrics.RecordAlreadyWritten(replayed);
            },
            BlockOptions.Ordered(capacity, 1, cancellationToken));
    }
}
