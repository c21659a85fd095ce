using System.Text;
using System.Threading.Tasks.Dataflow;
using StreamHeal.Flatten;
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

    [Fact]
    public async Task A_flattener_bug_faults_the_stage_and_lets_no_record_through_to_be_committed()
    {
        var stage = FlattenStage.Create(
            (value, _) => value![0] == (byte)'!' ? throw new InvalidOperationException("invariant broken") : new FlatRow(),
            parallelism: 1, capacity: 8, CancellationToken.None);
        var output = new BufferBlock<IngestRecord>();
        stage.LinkTo(output);

        await stage.SendAsync(Record(0, "{}"));
        await stage.SendAsync(Record(1, "!"));
        await stage.SendAsync(Record(2, "{}"));
        stage.Complete();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => stage.Completion.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("invariant broken", error.Message);
        // Neither the failing record (as a dead letter that would complete its offset) nor any after it came out;
        // the one before may or may not have left before the fault dropped the block's output.
        output.TryReceiveAll(out var passed);
        Assert.DoesNotContain(passed ?? [], r => r.Offset >= 1);
    }

    [Fact]
    public async Task Input_the_flattener_refuses_becomes_a_flatten_failed_dead_letter()
    {
        var stage = FlattenStage.Create(new Flattener(new FlattenOptions()), parallelism: 1, capacity: 8, CancellationToken.None);

        await stage.SendAsync(Record(0, "{\"a\": tru"));
        var record = await stage.ReceiveAsync(TimeSpan.FromSeconds(60));

        Assert.Equal("flatten_failed", record.Failure?.Type);
        Assert.Contains("not a JSON object the flattener can read", record.Failure!.Message, StringComparison.Ordinal);
        stage.Complete();
        await stage.Completion.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
