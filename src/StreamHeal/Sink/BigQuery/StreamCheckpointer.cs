using StreamHeal.Sink.BigQuery.Checkpoints;

namespace StreamHeal.Sink.BigQuery;

/// <summary>Writes where a partition's stream stands, under the partition's epoch; one table's view of the <see cref="CheckpointStore"/>.</summary>
internal sealed class StreamCheckpointer(string table, CheckpointStore store, BigQuerySinkStats stats)
{
    /// <summary>Takes the partitions over (next epoch each) and returns where their streams stand.</summary>
    public Task<IReadOnlyDictionary<int, CheckpointClaim>> ClaimAsync(IReadOnlyList<int> partitions, CancellationToken cancellationToken) =>
        store.ClaimAsync(table, partitions, cancellationToken);

    /// <param name="readBack">Make sure no other member claimed the partition before this record (see <see cref="CheckpointStore.WriteAsync"/>).</param>
    /// <exception cref="PartitionFencedException">Another member owns the partition now.</exception>
    public async Task WriteAsync(PartitionStream state, bool readBack, CancellationToken cancellationToken)
    {
        if (state.Stream is null)
        {
            return; // Nothing was ever appended for it: a replay would skip nothing.
        }

        await store.WriteAsync(table, state.Partition, state.ToCheckpoint(), readBack, cancellationToken).ConfigureAwait(false);
        stats.RecordCheckpoint();
    }
}
