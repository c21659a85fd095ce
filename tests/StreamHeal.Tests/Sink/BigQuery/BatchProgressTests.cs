using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using Xunit;

namespace StreamHeal.Tests.Sink.BigQuery;

public sealed class BatchProgressTests
{
    private static readonly SinkBatch Batch = new("t", "topic", [], [new SinkRow(0, 0, DateTimeOffset.UnixEpoch, new FlatRow()), new SinkRow(0, 1, DateTimeOffset.UnixEpoch, new FlatRow())]);

    [Fact]
    public void A_retry_is_recognised_by_its_attempt_not_by_being_the_same_object()
    {
        var progress = new BatchProgress(Batch);

        Assert.True(progress.IsRetriedBy(Batch with { Attempt = 1 }));
        // The same object again is a new try of a new batch as far as the caller said: nothing of it is resumed.
        Assert.False(progress.IsRetriedBy(Batch));
        Assert.False(progress.IsRetriedBy(Batch with { Rows = [Batch.Rows[0]], Attempt = 1 }));
    }

    [Fact]
    public void Rows_done_in_an_earlier_try_are_not_pending_again()
    {
        var progress = new BatchProgress(Batch);
        progress.Done(0, RowOutcome.Written);

        Assert.Equal([1], progress.Pending());
        Assert.True(progress.IsDone(0));
    }
}
