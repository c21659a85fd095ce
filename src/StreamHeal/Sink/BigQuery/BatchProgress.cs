namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// Outcomes of one batch so far, kept across the sink stage's retries of it (<see cref="SinkBatch.Attempt"/> &gt; 0) so
/// rows done in an earlier try are not sent again and no rejection is forgotten. Partition tasks of one exactly-once
/// batch touch disjoint rows; rejections share the result's error dictionary, hence the lock.
/// </summary>
internal sealed class BatchProgress(SinkBatch batch)
{
    private readonly bool[] _done = new bool[batch.Rows.Count];
    private readonly Lock _gate = new();

    public SinkBatch Batch { get; } = batch;

    public SinkBatchResult Result { get; } = new(batch.Rows.Count);

    /// <summary>Whether <paramref name="retry"/> is the sink stage's retry of this batch (same rows, a later attempt).</summary>
    public bool IsRetriedBy(SinkBatch retry) =>
        retry.Attempt > 0 && retry.Attempt > Batch.Attempt && retry.Rows.Count == Batch.Rows.Count
        && string.Equals(retry.Table, Batch.Table, StringComparison.Ordinal);

    public List<int> Pending()
    {
        var pending = new List<int>(_done.Length);
        for (var i = 0; i < _done.Length; i++)
        {
            if (!_done[i])
            {
                pending.Add(i);
            }
        }

        return pending;
    }

    public bool IsDone(int index) => _done[index];

    public void Done(int index, RowOutcome outcome)
    {
        Result.Set(index, outcome);
        _done[index] = true;
    }

    public void Reject(int index, string error)
    {
        lock (_gate)
        {
            Result.Reject(index, error);
        }

        _done[index] = true;
    }
}
