using System.Threading.Tasks.Dataflow;
using StreamHeal.Records;

namespace StreamHeal.Flow;

/// <summary>
/// What each record stage does with a chunk once it has worked on every record: failed records go to the DLQ block
/// (waiting for room, so the DLQ's bound holds), records already completed (tombstones) are dropped, and the chunk
/// goes on with the rest in order. An empty chunk is dropped by the link that follows.
/// </summary>
internal static class ChunkRouting
{
    public static Task<RecordChunk> SettleAsync(RecordChunk chunk, ITargetBlock<IngestRecord> deadLetters, CancellationToken cancellationToken) =>
        chunk.HasLeavers() ? SendLeaversAsync(chunk, deadLetters, cancellationToken) : Task.FromResult(chunk);

    private static async Task<RecordChunk> SendLeaversAsync(RecordChunk chunk, ITargetBlock<IngestRecord> deadLetters, CancellationToken cancellationToken)
    {
        foreach (var record in chunk.TakeLeavers())
        {
            // The DLQ completes only after every stage has, so one that declines has faulted: this stage faults too,
            // and the record, never completed, is read again after the restart.
            if (record.Route == RecordRoute.DeadLetter && !await deadLetters.SendAsync(record, cancellationToken))
            {
                throw await DeadLetterFault.RefusedAsync($"The DLQ block refused {record}: it has failed.", deadLetters, cancellationToken);
            }
        }

        return chunk;
    }

    /// <summary>Links a stage to the next: chunks with records go on, emptied ones are dropped.</summary>
    public static void LinkOn(ISourceBlock<RecordChunk> source, ITargetBlock<RecordChunk> next)
    {
        source.LinkTo(next, new DataflowLinkOptions { PropagateCompletion = true }, static c => c.Count > 0);
        source.LinkTo(DataflowBlock.NullTarget<RecordChunk>(), new DataflowLinkOptions { PropagateCompletion = false }, static c => c.Count == 0);
    }
}
