using System.Text;
using System.Threading.Tasks.Dataflow;
using StreamHeal.Decode;
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
            value => value[0] == (byte)'!' ? throw new InvalidOperationException("invariant broken") : new FlatRow(),
            _ => null, deadLetters, parallelism: 1, capacity: 8, CancellationToken.None);
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

    private static TransformBlock<RecordChunk, RecordChunk> Stage(ITargetBlock<IngestRecord> deadLetters, DecodeOptions? options = null)
    {
        var decoder = new JsonDecoder(options ?? new DecodeOptions());
        return FlattenStage.Create(
            new Flattener(new FlattenOptions()), new JsonLimits(decoder.MaxDepth, decoder.MaxFields),
            decoder.Refusal,
            deadLetters, parallelism: 1, capacity: 8, CancellationToken.None);
    }

    [Theory]
    [InlineData("{\"a\": tru", DecodeErrors.InvalidJson, "Invalid JSON")]
    [InlineData("[1]", DecodeErrors.NotAnObject, "The root JSON value is an array, not an object.")]
    [InlineData("{\"a\":{\"b\":{\"c\":1}}}", DecodeErrors.TooDeep, "Nesting depth 3 at byte offset 10 exceeds decode.maxDepth (2).")]
    [InlineData("{\"a\":1,\"b\":2,\"c\":3}", DecodeErrors.TooManyFields, "More than decode.maxFields (2) leaf fields")]
    [InlineData("{\"a\":[\"\\ud800\"]}", DecodeErrors.InvalidJson, "unpaired UTF-16 surrogate")]
    public async Task A_value_breaking_a_decode_rule_leaves_its_chunk_for_the_dlq_with_the_decoders_reason_and_the_rest_goes_on_in_order(
        string bad, string errorType, string message)
    {
        var deadLetters = new BufferBlock<IngestRecord>();
        var stage = Stage(deadLetters, new DecodeOptions { MaxDepth = 2, MaxFields = 2 });

        await stage.SendAsync(Chunk(Record(0, "{\"a\": 1}"), Record(1, bad), Record(2, "{\"a\": {\"b\": \"x\"}}")));
        var chunk = await stage.ReceiveAsync(TimeSpan.FromSeconds(60));
        var record = await deadLetters.ReceiveAsync(TimeSpan.FromSeconds(60));

        Assert.Equal([0L, 2L], Enumerable.Range(0, chunk.Count).Select(i => chunk[i].Offset));
        Assert.Equal(FieldValue.FromInt64(1), chunk[0].Row!.Fields.Single(f => f.Name == "a").Value);
        Assert.Equal(FieldValue.FromString("x"), chunk[1].Row!.Fields.Single(f => f.Name == "a__b").Value);
        Assert.Equal(1, record.Offset);
        Assert.Null(record.Row);
        Assert.Equal(errorType, record.Failure?.Type);
        Assert.Equal("decode", record.Failure?.Stage);
        Assert.Contains(message, record.Failure!.Message, StringComparison.Ordinal);
        stage.Complete();
        await stage.Completion.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_value_only_the_flattener_refuses_still_reaches_the_dlq_as_a_flatten_failure()
    {
        var deadLetters = new BufferBlock<IngestRecord>();
        var stage = FlattenStage.Create(
            value => value[0] == (byte)'!' ? null : new FlatRow(), _ => null, deadLetters, parallelism: 1, capacity: 8, CancellationToken.None);

        await stage.SendAsync(Chunk(Record(0, "{}"), Record(1, "!"), Record(2, "{}")));
        var chunk = await stage.ReceiveAsync(TimeSpan.FromSeconds(60));
        var record = await deadLetters.ReceiveAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, chunk.Count);
        Assert.Equal(1, record.Offset);
        Assert.Equal("flatten_failed", record.Failure?.Type);
        Assert.Equal("flatten", record.Failure?.Stage);
        stage.Complete();
        await stage.Completion.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
