using System.Text;
using System.Text.Json;
using StreamHeal.Sink.BigQuery.Checkpoints;
using Xunit;

namespace StreamHeal.Tests.Sink.BigQuery.Checkpoints;

public sealed class StreamCheckpointTests
{
    [Fact]
    public void A_checkpoint_round_trips_with_its_epoch()
    {
        var checkpoint = new StreamCheckpoint("s", 10, 42, [7, 9], Epoch: 3);

        var parsed = StreamCheckpoint.Parse(checkpoint.ToJson());

        Assert.Equal(checkpoint with { Rejected = parsed.Rejected }, parsed);
        Assert.Equal([7L, 9L], parsed.Rejected);
    }

    [Fact]
    public void A_checkpoint_written_before_epochs_reads_as_epoch_zero() =>
        Assert.Equal(0, StreamCheckpoint.Parse("""{"stream":"s","nextRow":1,"nextKafka":2,"rejected":[]}"""u8).Epoch);

    [Theory]
    [InlineData("""{"stream":""")]
    [InlineData("""{"nextRow":1,"nextKafka":2,"rejected":[]}""")]
    [InlineData("""{"stream":"s","nextRow":1,"nextKafka":2}""")]
    [InlineData("null")]
    public void Anything_that_is_not_a_whole_checkpoint_does_not_parse(string json) =>
        Assert.Throws<JsonException>(() => StreamCheckpoint.Parse(Encoding.UTF8.GetBytes(json)));
}
