using Microsoft.Extensions.Time.Testing;
using StreamHeal.Dev.BigQuery;
using StreamHeal.TestSupport;
using Xunit;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>The fake's network delay, which the throughput harness uses to measure request sizes as over a real network.</summary>
public sealed class FakeNetworkDelayTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Appends_pipelined_on_one_connection_wait_out_the_delay_together_and_are_answered_in_order()
    {
        var clock = new FakeTimeProvider();
        await using var scope = await FakeWriteScope.StartAsync(new FakeBigQueryOptions { TimeProvider = clock, NetworkDelay = Delay });
        var stream = await scope.Client.CreateCommittedStreamAsync(scope.Table, CancellationToken.None);
        await using var connection = await scope.Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        var batches = Enumerable.Range(0, 3).Select(i => BigQueryTestRows.Encode(i * 2, 2)).ToArray();

        var answers = new List<Task<StreamHeal.Sink.BigQuery.Protos.AppendRowsResponse>>();
        for (var i = 0; i < batches.Length; i++)
        {
            answers.Add(await connection.SendAsync(batches[i].RowsOf(batches[i].Chunks[0]), 2, i * 2, CancellationToken.None));
        }

        // All three were read and stored while the first answer was still held: the connection kept reading.
        await Eventually.Until(() => scope.Fake.Store.RowsOf(scope.Table).Count == 6, Timeout, "the fake stored all three appends");
        Assert.Equal(3, scope.Fake.Appends.InFlight);
        Assert.DoesNotContain(answers, static a => a.IsCompleted);

        clock.Advance(Delay - TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, scope.Fake.Appends.InFlight);

        // One delay answers all three, not one each (that would take three). The sender may start its wait a moment
        // after the clock moved (its timer then runs from that moment), so the clock moves on in steps until the
        // answers are out, and the time it took is checked.
        var advanced = Delay - TimeSpan.FromMilliseconds(1);
        await Eventually.Until(
            () =>
            {
                clock.Advance(TimeSpan.FromMilliseconds(10));
                advanced += TimeSpan.FromMilliseconds(10);
                return answers.TrueForAll(static a => a.IsCompleted);
            },
            Timeout,
            "the three answers");
        var responses = await Task.WhenAll(answers).WaitAsync(Timeout);

        Assert.True(advanced < 3 * Delay, $"the answers took {advanced.TotalMilliseconds} ms of the fake clock: one delay each, not one for all");

        Assert.Equal([0L, 2L, 4L], responses.Select(static r => (long)r.AppendResult.Offset!));
        Assert.Equal(0, scope.Fake.Appends.InFlight);
        foreach (var batch in batches)
        {
            batch.Dispose();
        }
    }

    [Fact]
    public async Task Without_a_delay_an_append_is_answered_at_once()
    {
        var clock = new FakeTimeProvider();
        await using var scope = await FakeWriteScope.StartAsync(new FakeBigQueryOptions { TimeProvider = clock });
        var stream = await scope.Client.CreateCommittedStreamAsync(scope.Table, CancellationToken.None);
        await using var connection = await scope.Client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 2);

        // The clock never moves: the answer cannot be waiting on it.
        var response = await (await connection.SendAsync(batch.RowsOf(batch.Chunks[0]), 2, 0, CancellationToken.None)).WaitAsync(Timeout);

        Assert.Equal(0L, response.AppendResult.Offset);
        Assert.Equal(0, scope.Fake.Appends.InFlight);
    }
}
