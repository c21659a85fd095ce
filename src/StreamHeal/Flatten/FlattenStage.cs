using System.Threading.Tasks.Dataflow;
using StreamHeal.Records;
using StreamHeal.Flow;

namespace StreamHeal.Flatten;

/// <summary>
/// Flatten: turns each decoded event into named leaf columns, keeping partition order. An event the flattener
/// refuses (<see cref="FlattenException"/>) goes to the DLQ; any other exception is a bug and faults the block,
/// and with it the pipeline, before that record or any after it can be committed.
/// </summary>
internal static class FlattenStage
{
    public const string Name = "flatten";

    public static TransformBlock<RecordChunk, RecordChunk> Create(
        Flattener flattener, ITargetBlock<IngestRecord> deadLetters, int parallelism, int capacity, CancellationToken cancellationToken) =>
        Create((value, hint) => flattener.Flatten(value, hint), deadLetters, parallelism, capacity, cancellationToken);

    /// <param name="flatten">The value and its field-count hint to a row; a seam for tests.</param>
    internal static TransformBlock<RecordChunk, RecordChunk> Create(
        Func<byte[]?, int, FlatRow> flatten, ITargetBlock<IngestRecord> deadLetters, int parallelism, int capacity, CancellationToken cancellationToken) =>
        new(
            chunk =>
            {
                for (var i = 0; i < chunk.Count; i++)
                {
                    var record = chunk[i];
                    try
                    {
                        // Avro values were decoded into their row already.
                        record.Row ??= flatten(record.Value, record.FieldCountHint);
                    }
                    catch (FlattenException e)
                    {
                        record.Fail(new DeadLetterReason("flatten_failed", e.Message, Name));
                    }
                }

                return ChunkRouting.SettleAsync(chunk, deadLetters, cancellationToken);
            },
            BlockOptions.Ordered(capacity, parallelism, cancellationToken));
}
