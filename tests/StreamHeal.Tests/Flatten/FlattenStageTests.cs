using System.Text;
using System.Threading.Tasks.Dataflow;
using StreamHeal.Flatten;
using StreamHeal.Flow;
using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.Flatten;

public sealed class FlattenStageTests
{
    private static IngestRecord Record(long offset, string json) => new()
    {
        Topic = "events",
        Partition = 0,
        Offset = offset,
        Timestamp = DateTimeOffset.UnixEpoch,
        Value = Encoding.UTF8.GetBytes(json),
        AssignmentGeneration = 1,
        Table = "events",
    };

    private static RecordChunk Chunk(params IngestRecord[] records)
    {
        var chunk = new RecordChunk(records[0]);
        foreach (var record in records.Skip(1))
        {
            chunk.Add(record);
        }

        return chunk;
    }

    [Fact]
    public async Task A_flattener_bug_faults_the_stage_and_lets_no_record_through_to_be_committed()
    {
        var deadLetters = new BufferBlock<IngestRecord>();
        var stage = FlattenStage.Create(
            (value, _) => value![0] == (byte)'!' ? throw new InvalidOperationException("invariant broken") : new FlatRow(),
            deadLetters, parallelism: 1, capacity: 8, CancellationToken.None);
        var output = new BufferBlock<RecordChunk>();
        stage.LinkTo(output);

        await stage.SendAsync(Chunk(Record(0, "{}")));
        await stage.SendAsync(Chunk(Record(1, "!"), Record(2, "{}")));
        await stage.SendAsync(Chunk(Record(3, "{}")));
        stage.Complete();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => stage.Completion.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("invariant broken", error.Message);
        // Neither the failing record (as a dead letter that would complete its offset) nor any after it came out;
        // the chunk before may or may not have left before the fault dropped the block's output.
        output.TryReceiveAll(out var passed);
        Assert.DoesNotContain(passed ?? [], c => c.First.Offset >= 1);
        Assert.Equal(0, deadLetters.Count);
    }

    [Fact]
    public async Task Input_the_flattener_refuses_leaves_its_chunk_for_the_dlq_and_the_rest_goes_on_in_order()
    {
        var deadLetters = new BufferBlock<IngestRecord>();
        var stage = FlattenStage.Create(new Flattener(new FlattenOptions()), deadLetters, parallelism: 1, capacity: 8, CancellationToken.None);

        await stage.SendAsync(Chunk(Record(0, "{\"a\": 1}"), Record(1, "{\"a\": tru"), Record(2, "{\"a\": 2}")));
        var chunk = await stage.ReceiveAsync(TimeSpan.FromSeconds(60));
        var record = await deadLetters.ReceiveAsync(TimeSpan.FromSeconds(60));

        Assert.Equal([0L, 2L], Enumerable.Range(0, chunk.Count).Select(i => chunk[i].Offset));
        Assert.Equal(1, record.Offset);
        Assert.Equal("flatten_failed", record.Failure?.Type);
        Assert.Contains("not a JSON object the flattener can read", record.Failure!.Message, StringComparison.Ordinal);
        stage.Complete();
        await stage.Completion.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
