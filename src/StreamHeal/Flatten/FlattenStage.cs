using System.Threading.Tasks.Dataflow;
using StreamHeal.Pipeline;
using StreamHeal.Records;

namespace StreamHeal.Flatten;

/// <summary>Flatten: turns each decoded event into named leaf columns, keeping partition order.</summary>
internal static class FlattenStage
{
    public const string Name = "flatten";

    public static TransformBlock<IngestRecord, IngestRecord> Create(Flattener flattener, int parallelism, int capacity, CancellationToken cancellationToken) =>
        new(
            record =>
            {
                try
                {
                    // Avro values were decoded into their row already.
                    record.Row ??= flattener.Flatten(record.Value, record.FieldCountHint);
                }
#pragma warning disable CA1031 // One event the flattener cannot handle must not fault the block and stall every partition.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    record.Fail(new DeadLetterReason("flatten_failed", e.Message, Name));
                }

                return record;
            },
            BlockOptions.Ordered(capacity, parallelism, cancellationToken));
}
