using System.Threading.Tasks.Dataflow;
using StreamHeal.Pipeline;
using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Telemetry;

namespace StreamHeal.Decode;

/// <summary>
/// Decode: checks each value is one JSON object event within the limits. A tombstone needs no row and is done here;
/// a bad value is marked for the DLQ with its reason.
/// </summary>
internal static class DecodeStage
{
    public const string Name = "decode";

    public static TransformBlock<IngestRecord, IngestRecord> Create(
        JsonDecoder decoder, RecordCompletion completion, PipelineMetrics metrics, int parallelism, int capacity, CancellationToken cancellationToken)
    {
        var tables = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        return new(
            record =>
            {
                record.Table = tables.GetOrAdd(record.Topic, static topic => TableNames.ForTopic(topic));
                if (record.IsDeadLetter)
                {
                    return record; // failed while polling (an unreadable message); it only passes through
                }
                if (record.Value is null)
                {
                    metrics.RecordTombstone();
                    record.Skip();
                    completion.Complete(record);
                    return record;
                }

                var result = decoder.Validate(record.Value);
                if (!result.IsSuccess)
                {
                    record.Fail(new DeadLetterReason(result.ErrorType!, result.ErrorMessage!, Name));
                }

                return record;
            },
            BlockOptions.Ordered(capacity, parallelism, cancellationToken));
    }
}
