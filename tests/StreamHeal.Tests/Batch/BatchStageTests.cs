using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.Batch;
using StreamHeal.Flow;
using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.Batch;

public sealed class BatchStageTests
{
    private static IngestRecord Record(string table, long offset) => new()
    {
        Topic = table,
        Partition = 0,
        Offset = offset,
        Timestamp = DateTimeOffset.UnixEpoch,
        Value = [1, 2, 3],
        AssignmentGeneration = 1,
        Table = table,
    };

    [Fact]
    public async Task A_partial_batch_is_flushed_when_its_linger_expires_on_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        await using var stage = new BatchStage(new BatchOptions { MaxRows = 100, Linger = TimeSpan.FromMilliseconds(200) }, time, 16, CancellationToken.None);
        var output = new BufferBlock<RowBatch<IngestRecord>>();
        stage.Source.LinkTo(output, new DataflowLinkOptions { PropagateCompletion = true });

        await Send(stage, Record("a", 0));
        await Send(stage, Record("a", 1));
        await Eventually(() => stage.PendingRows == 2);
        Assert.Equal(0, output.Count);

        time.Advance(TimeSpan.FromMilliseconds(199));
        // The stage handles items in order: once a row sent after the advance is pending, any flush the advance
        // caused would already be out.
        await Send(stage, Record("b", 2));
        await Eventually(() => stage.PendingRows == 3);
        Assert.Equal(0, output.Count);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var batch = await output.ReceiveAsync(TimeSpan.FromSeconds(5));
        Assert.Equal([0L, 1L], batch.Items.Select(r => r.Offset));
        Assert.Equal(1, stage.PendingRows);
    }

    [Fact]
    public async Task Full_batches_go_out_at_once_and_the_rest_on_completion()
    {
        await using var stage = new BatchStage(new BatchOptions { MaxRows = 3, Linger = TimeSpan.FromMinutes(1) }, new FakeTimeProvider(), 16, CancellationToken.None);
        var output = new BufferBlock<RowBatch<IngestRecord>>();
        stage.Source.LinkTo(output, new DataflowLinkOptions { PropagateCompletion = true });
        for (var i = 0; i < 7; i++)
        {
            await Send(stage, Record(i % 2 == 0 ? "a" : "b", i));
        }

        stage.Target.Complete();
        await stage.Source.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(output.TryReceiveAll(out var batches));
        Assert.Equal(7, batches.Sum(b => b.Items.Count));
        Assert.All(batches, b => Assert.True(b.Items.Count <= 3));
        Assert.Equal([0L, 2L, 4L, 6L], batches.Where(b => b.Key == "a").SelectMany(b => b.Items).Select(r => r.Offset));
    }

    [Fact]
    public async Task Linger_works_on_the_system_clock()
    {
        await using var stage = new BatchStage(new BatchOptions { MaxRows = 100, Linger = TimeSpan.FromMilliseconds(50) }, TimeProvider.System, 16, CancellationToken.None);
        var output = new BufferBlock<RowBatch<IngestRecord>>();
        stage.Source.LinkTo(output);
        await Send(stage, Record("a", 0));

        var batch = await output.ReceiveAsync(TimeSpan.FromSeconds(5));
        Assert.Single(batch.Items);
    }

    [Fact]
    public async Task A_chunk_s_rows_join_their_batches_in_order()
    {
        await using var stage = new BatchStage(new BatchOptions { MaxRows = 2, Linger = TimeSpan.FromMinutes(1) }, new FakeTimeProvider(), 16, CancellationToken.None);
        var output = new BufferBlock<RowBatch<IngestRecord>>();
        stage.Source.LinkTo(output, new DataflowLinkOptions { PropagateCompletion = true });
        var chunk = new RecordChunk(Record("a", 10));
        chunk.Add(Record("a", 11));
        chunk.Add(Record("a", 12));
        await stage.Target.SendAsync<RecordChunk?>(chunk);

        var full = await output.ReceiveAsync(TimeSpan.FromSeconds(5));
        Assert.Equal([10L, 11L], full.Items.Select(r => r.Offset));
        stage.Target.Complete();
        await stage.Source.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal([12L], (await output.ReceiveAsync(TimeSpan.FromSeconds(5))).Items.Select(r => r.Offset));
    }

    private static Task<bool> Send(BatchStage stage, IngestRecord record) => stage.Target.SendAsync<RecordChunk?>(new RecordChunk(record));

    private static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
