using StreamHeal.Sink.BigQuery.Checkpoints;

namespace StreamHeal.Sink.BigQuery;

/// <summary>Writes where a partition's stream stands, under the partition's epoch; one table's view of the <see cref="CheckpointStore"/>.</summary>
internal sealed class StreamCheckpointer(string table, CheckpointStore store, BigQuerySinkStats stats)
{
    /// <summary>Takes the partition over (next epoch) and returns where its stream stands.</summary>
    public Task<CheckpointClaim> ClaimAsync(int partition, CancellationToken cancellationToken) => store.ClaimAsync(table, partition, cancellationToken);

    /// <exception cref="PartitionFencedException">Another member owns the partition now.</exception>
    public async Task WriteAsync(PartitionStream state, CancellationToken cancellationToken)
    {
        if (state.Stream is null)
        {
            return; // Nothing was ever appended for it: a replay would skip nothing.
        }

        await store.WriteAsync(table, state.Partition, state.ToCheckpoint(), cancellationToken).ConfigureAwait(false);
        stats.RecordCheckpoint();
    }
}
