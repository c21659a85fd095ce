using System.Threading.Tasks.Dataflow;
using StreamHeal.Records;
using StreamHeal.Flow;

namespace StreamHeal.Flatten;

/// <summary>
/// Flatten: turns each decoded event into named leaf columns, keeping partition order. An event the flattener
/// refuses (<see cref="FlattenException"/>) is marked for the DLQ; any other exception is a bug and faults the block,
/// and with it the pipeline, before that record or any after it can be committed.
/// </summary>
internal static class FlattenStage
{
    public const string Name = "flatten";

    public static TransformBlock<IngestRecord, IngestRecord> Create(Flattener flattener, int parallelism, int capacity, CancellationToken cancellationToken) =>
        Create((value, hint) => flattener.Flatten(value, hint), parallelism, capacity, cancellationToken);

    /// <param name="flatten">The value and its field-count hint to a row; a seam for tests.</param>
    internal static TransformBlock<IngestRecord, IngestRecord> Create(
        Func<byte[]?, int, FlatRow> flatten, int parallelism, int capacity, CancellationToken cancellationToken) =>
        new(
            record =>
            {
                try
                {
                    // Avro values were decoded into their row already.
                    record.Row ??= flatten(record.Value, record.FieldCountHint);
                }
                catch (FlattenException e)
                {
                    record.Fail(new DeadLetterReason("flatten_failed", e.Message, Name));
                }

                return record;
            },
            BlockOptions.Ordered(capacity, parallelism, cancellationToken));
}
