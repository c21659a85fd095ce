using System.Threading.Tasks.Dataflow;
using StreamHeal.Records;
using StreamHeal.Flow;

namespace StreamHeal.Flatten;

/// <summary>
/// Flatten: reads each JSON event once, turning it into named leaf columns and holding it to the decoder's rules as
/// it goes, keeping partition order. A value that breaks a rule goes to the DLQ with the reason
/// its refusal function gives (the decoder's, so the error type and stage are what a separate validation pass
/// would have said). Any exception is a bug and faults the block, and with it the pipeline, before that record or any
/// after it can be committed. Avro events arrive with their row already made by decode.
/// </summary>
internal static class FlattenStage
{
    public const string Name = "flatten";

    /// <param name="refusal">Why a value the flattener refused breaks the rules; null if it does not.</param>
    public static TransformBlock<RecordChunk, RecordChunk> Create(
        Flattener flattener, JsonLimits limits, Func<byte[], DeadLetterReason?> refusal, ITargetBlock<IngestRecord> deadLetters,
        int parallelism, int capacity, CancellationToken cancellationToken) =>
        Create(value => flattener.TryFlatten(value, limits), refusal, deadLetters, parallelism, capacity, cancellationToken);

    /// <param name="flatten">A value to its row, or null when it breaks the rules; a seam for tests.</param>
    internal static TransformBlock<RecordChunk, RecordChunk> Create(
        Func<byte[], FlatRow?> flatten, Func<byte[], DeadLetterReason?> refusal, ITargetBlock<IngestRecord> deadLetters,
        int parallelism, int capacity, CancellationToken cancellationToken) =>
        new(
            chunk =>
            {
                for (var i = 0; i < chunk.Count; i++)
                {
                    var record = chunk[i];
                    if (record.Row is not null)
                    {
                        continue;
                    }

                    // Decode completed the tombstones and dead-lettered empty values, so each value here has bytes.
                    var value = record.Value!;
                    record.Row = flatten(value);
                    if (record.Row is null)
                    {
                        record.Fail(refusal(value) ?? DeadLetterReason.FlattenFailed(Name));
                    }
                }

                return ChunkRouting.SettleAsync(chunk, deadLetters, cancellationToken);
            },
            BlockOptions.Ordered(capacity, parallelism, cancellationToken));
}
