using Confluent.Kafka;
using StreamHeal.Flow;
using StreamHeal.Offsets;
using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.Flow;

public sealed class RecordCompletionTests
{
    [Fact]
    public void Completing_a_batch_completes_each_partition_run_and_releases_every_record_once()
    {
        var tracker = new OffsetTracker();
        var budget = new InFlightBudget(1 << 30, 1_000, 50);
        var p0 = new TopicPartition("events", 0);
        var p1 = new TopicPartition("events", 1);
        var g0 = tracker.Assign(p0);
        var g1 = tracker.Assign(p1);
        var records = new List<IngestRecord>();
        foreach (var (tp, generation, offset) in new[] { (p0, g0, 10L), (p0, g0, 11L), (p1, g1, 3L), (p0, g0, 12L), (p1, g1, 4L), (p1, g1, 5L) })
        {
            var record = Record(tp.Partition, generation, offset);
            tracker.Register(tp, generation, offset);
            budget.Admit(record.Bytes);
            records.Add(record);
        }

        var completion = new RecordCompletion(tracker, budget);
        // Partition 1's offset 4 stays open: its run must not carry the committable offset past it.
        completion.Complete([records[0], records[1], records[2], records[3], records[5]]);

        Assert.Equal(13, tracker.CommittableOffset(p0));
        Assert.Equal(4, tracker.CommittableOffset(p1));
        Assert.Equal(1, budget.Records);
        Assert.Equal(records[4].Bytes, budget.Bytes);

        completion.Complete([records[4]]);
        Assert.Equal(6, tracker.CommittableOffset(p1));
        Assert.Equal(0, budget.Records);
        Assert.Equal(0, budget.Bytes);
    }

    [Fact]
    public void A_record_of_an_ended_assignment_in_the_batch_frees_its_budget_but_completes_nothing()
    {
        var tracker = new OffsetTracker();
        var budget = new InFlightBudget(1 << 30, 1_000, 50);
        var tp = new TopicPartition("events", 0);
        var old = tracker.Assign(tp);
        var stale = Record(0, old, 7);
        tracker.Register(tp, old, 7);
        budget.Admit(stale.Bytes);
        var current = tracker.Assign(tp);
        var fresh = Record(0, current, 7);
        tracker.Register(tp, current, 7);
        budget.Admit(fresh.Bytes);

        new RecordCompletion(tracker, budget).Complete([stale]);

        Assert.Equal(7, tracker.CommittableOffset(tp));
        Assert.Equal(1, tracker.StaleCompletions);
        Assert.Equal(1, budget.Records);
    }

    private static IngestRecord Record(int partition, long generation, long offset) => new()
    {
        Topic = "events",
        Partition = partition,
        Offset = offset,
        Timestamp = DateTimeOffset.UnixEpoch,
        Value = new byte[10 + offset],
        AssignmentGeneration = generation,
    };
}
