using System.Collections.Concurrent;
using System.Threading.Tasks.Dataflow;
using StreamHeal.Records;
using StreamHeal.SchemaRegistry;
using StreamHeal.Telemetry;
using StreamHeal.Flow;
using StreamHeal.Tables;

namespace StreamHeal.Decode;

/// <summary>
/// Decode: tells JSON from Confluent wire-format Avro per message. A JSON value must be non-empty UTF-8 within the
/// size limit here; flatten's one pass over it checks the rest of <see cref="JsonDecoder"/>'s rules and takes its
/// reasons from it. An Avro value is decoded into its row here. A tombstone needs no row and is done here; a bad value goes to the DLQ
/// with its reason, and the rest of its chunk goes on.
/// </summary>
internal static class DecodeStage
{
    public const string Name = "decode";

    public static TransformBlock<RecordChunk, RecordChunk> Create(
        JsonDecoder decoder, AvroEventDecoder? avro, RecordCompletion completion, ITargetBlock<IngestRecord> deadLetters, PipelineMetrics metrics,
        int parallelism, int capacity, CancellationToken cancellationToken)
    {
        var tables = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var options = BlockOptions.Ordered(capacity, parallelism, cancellationToken);
        if (avro is null)
        {
            return new TransformBlock<RecordChunk, RecordChunk>(
                chunk =>
                {
                    // A chunk is one partition's records, so one table for all of them.
                    var table = TableOf(chunk, tables);
                    for (var i = 0; i < chunk.Count; i++)
                    {
                        DecodeJson(chunk[i], table, decoder, completion, metrics);
                    }

                    return ChunkRouting.SettleAsync(chunk, deadLetters, cancellationToken);
                },
                options);
        }

        return new TransformBlock<RecordChunk, RecordChunk>(
            async chunk =>
            {
                var table = TableOf(chunk, tables);
                for (var i = 0; i < chunk.Count; i++)
                {
                    var record = chunk[i];
                    if (IsWireFormat(record))
                    {
                        record.Table = table;
                        await avro.DecodeAsync(record, cancellationToken);
                    }
                    else
                    {
                        DecodeJson(record, table, decoder, completion, metrics);
                    }
                }

                return await ChunkRouting.SettleAsync(chunk, deadLetters, cancellationToken);
            },
            options);
    }

    private static void DecodeJson(IngestRecord record, string table, JsonDecoder decoder, RecordCompletion completion, PipelineMetrics metrics)
    {
        record.Table = table;
        if (record.IsDeadLetter)
        {
            return; // failed while polling (an unreadable message); it only passes through
        }

        if (record.Value is null)
        {
            metrics.RecordTombstone(record.Topic);
            record.Skip();
            completion.Complete(record);
            return;
        }

        if (record.Value.Length > 0 && IsControl(record.Value[0]))
        {
            record.Fail(record.Value[0] == ConfluentWireFormat.MagicByte
                ? new DeadLetterReason(DecodeErrors.AvroWithoutRegistry, "The value is in the Confluent wire format (magic byte 0) but schemaRegistry.url is not configured.", Name)
                : new DeadLetterReason(DecodeErrors.UnknownMagicByte, $"The value starts with byte 0x{record.Value[0]:X2}: neither JSON nor the Confluent wire format (0x00).", Name));
            return;
        }

        // Only the checks that need no parse: flatten reads the JSON once and holds it to the rest of the rules.
        var result = decoder.CheckEnvelope(record.Value);
        if (!result.IsSuccess)
        {
            record.Fail(new DeadLetterReason(result.ErrorType!, result.ErrorMessage!, Name));
        }
    }

    private static string TableOf(RecordChunk chunk, ConcurrentDictionary<string, string> tables) =>
        tables.GetOrAdd(chunk.Topic, static topic => TableNames.ForTopic(topic));

    private static bool IsWireFormat(IngestRecord record) =>
        !record.IsDeadLetter && record.Value is { Length: > 0 } value && value[0] == ConfluentWireFormat.MagicByte;

    // JSON text starts with '{' or whitespace; any other control byte is a framing of some other format.
    private static bool IsControl(byte first) => first < 0x20 && first is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n');
}
