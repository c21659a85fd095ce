using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.Kafka;
using StreamHeal.Sink.BigQuery.Checkpoints;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>
/// Two members claiming one partition at the same moment: both read the same highest epoch and both claim the next
/// one. Exactly one of them may come out owning it, or two would append its rows to streams of their own.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class CheckpointClaimRaceTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private const string Table = "race";

    [Fact]
    public async Task Of_two_members_claiming_a_partition_at_once_exactly_one_owns_it()
    {
        var (_, topic, options) = NewCheckpointTopic("claim-race");
        await using var a = new CheckpointStore(options, topic, NullLogger.Instance);
        await using var b = new CheckpointStore(options, topic, NullLogger.Instance);
        // Both readers assigned and caught up first, so each claim is a read, a write and a read back, nothing more.
        await a.ClaimAsync(Table, [0], CancellationToken.None);
        await b.ClaimAsync(Table, [0], CancellationToken.None);

        const int Rounds = 30;
        var together = 0;
        for (var round = 1; round <= Rounds; round++)
        {
            var partition = round;
            var claims = await Task.WhenAll(
                Task.Run(() => a.ClaimAsync(Table, [partition], CancellationToken.None)),
                Task.Run(() => b.ClaimAsync(Table, [partition], CancellationToken.None)));
            var ca = claims[0][partition];
            var cb = claims[1][partition];
            together += ca.Epoch == cb.Epoch ? 1 : 0;
            output.WriteLine($"partition {partition}: a epoch {ca.Epoch}{(ca.Fenced ? " fenced" : "")}, b epoch {cb.Epoch}{(cb.Fenced ? " fenced" : "")}");

            // A member that comes out owning the partition claimed the highest epoch there is.
            Assert.True(ca.Fenced ^ cb.Fenced || ca.Epoch != cb.Epoch, $"partition {partition}: both {(ca.Fenced ? "fenced" : "own it")} at epoch {ca.Epoch}");
            var owners = new[] { ca, cb }.Where(static c => !c.Fenced).ToList();
            Assert.NotEmpty(owners);
            if (owners.Count == 2)
            {
                // Claimed one after the other: the later claim's epoch is higher, and the earlier owner is fenced on its next write.
                Assert.NotEqual(ca.Epoch, cb.Epoch);
            }
        }

        output.WriteLine($"{together} of {Rounds} rounds claimed the same epoch at once");
        // Otherwise the rounds ran one after the other and the race was never tried.
        Assert.True(together > 0, "no round had both members claim the same epoch");
    }

    [Fact]
    public async Task A_claim_whose_member_stopped_before_writing_hands_on_the_state_before_it()
    {
        var (group, topic, options) = NewCheckpointTopic("claim-handover");
        await using (var first = new CheckpointStore(options, topic, NullLogger.Instance))
        {
            var claim = (await first.ClaimAsync(Table, [0], CancellationToken.None))[0];
            await first.WriteAsync(Table, 0, new StreamCheckpoint("stream-a", 42, 1_000, [7], claim.Epoch), readBack: true, CancellationToken.None);
        }

        // A member claimed the next epoch and stopped before it wrote anything under it.
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            await producer.ProduceAsync(topic, new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes($"{group}/{Table}/0#c1@stopped"), Value = [] });
        }

        await using var next = new CheckpointStore(options, topic, NullLogger.Instance);
        var taken = (await next.ClaimAsync(Table, [0], CancellationToken.None))[0];

        Assert.False(taken.Fenced);
        Assert.Equal(2, taken.Epoch);
        Assert.Equal(new StreamCheckpoint("stream-a", 42, 1_000, [7], 2), taken.Checkpoint!, new CheckpointComparer());

        // And a restart after that reads what the owner of epoch 2 wrote.
        await using var restarted = new CheckpointStore(options, topic, NullLogger.Instance);
        var again = (await restarted.ClaimAsync(Table, [0], CancellationToken.None))[0];
        Assert.Equal(3, again.Epoch);
        Assert.Equal("stream-a", again.Checkpoint!.Stream);
        Assert.Equal(1_000, again.Checkpoint.NextKafka);
    }

    /// <summary>A group of its own and its one-partition checkpoint topic.</summary>
    private (string Group, string Topic, KafkaOptions Options) NewCheckpointTopic(string prefix)
    {
        var group = KafkaClusterFixture.NewGroupId(prefix);
        var topic = group + ".checkpoints";
        kafka.Cluster.CreateTopic(topic, 1);
        return (group, topic, new KafkaOptions { BootstrapServers = kafka.BootstrapServers, GroupId = group, Topics = [Table] });
    }

    private sealed class CheckpointComparer : IEqualityComparer<StreamCheckpoint>
    {
        public bool Equals(StreamCheckpoint? x, StreamCheckpoint? y) =>
            x is not null && y is not null && x.Stream == y.Stream && x.NextRow == y.NextRow && x.NextKafka == y.NextKafka
            && x.Epoch == y.Epoch && x.Rejected.SequenceEqual(y.Rejected);

        public int GetHashCode(StreamCheckpoint obj) => obj.Stream.GetHashCode(StringComparison.Ordinal);
    }
}
