using System.Threading.Tasks.Dataflow;
using Confluent.Kafka;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Flow;
using StreamHeal.Poll;
using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.Flow;

public sealed class RecordChunkTests
{
    private static IngestRecord Record(int partition, long offset, string topic = "events") => new()
    {
        Topic = topic,
        Partition = partition,
        Offset = offset,
        Timestamp = DateTimeOffset.UnixEpoch,
        Value = [(byte)'{', (byte)'}'],
        AssignmentGeneration = 1,
    };

    private static List<IngestRecord> Records(RecordChunk chunk) => [.. Enumerable.Range(0, chunk.Count).Select(i => chunk[i])];

    [Fact]
    public void A_chunk_takes_records_of_its_own_partition_only_and_stops_when_full()
    {
        var chunk = new RecordChunk(Record(0, 0));

        Assert.False(chunk.Accepts(Record(1, 1)));
        Assert.False(chunk.Accepts(Record(0, 1, topic: "other")));
        for (var offset = 1; offset < RecordChunk.MaxRecords; offset++)
        {
            Assert.True(chunk.Accepts(Record(0, offset)));
            chunk.Add(Record(0, offset));
        }

        Assert.False(chunk.Accepts(Record(0, RecordChunk.MaxRecords)));
        Assert.Equal(Enumerable.Range(0, RecordChunk.MaxRecords).Select(i => (long)i), Records(chunk).Select(r => r.Offset));
    }

    [Fact]
    public async Task Settling_sends_failed_records_to_the_dlq_drops_completed_ones_and_keeps_the_rest_in_order()
    {
        var chunk = new RecordChunk(Record(0, 0));
        for (var offset = 1; offset < 6; offset++)
        {
            chunk.Add(Record(0, offset));
        }

        chunk[1].Fail(new DeadLetterReason("invalid_json", "bad", "decode"));
        chunk[3].Skip();
        chunk[4].Fail(new DeadLetterReason("invalid_json", "bad", "decode"));
        var deadLetters = new BufferBlock<IngestRecord>();

        var settled = await ChunkRouting.SettleAsync(chunk, deadLetters, CancellationToken.None);

        Assert.Same(chunk, settled);
        Assert.Equal([0L, 2L, 5L], Records(settled).Select(r => r.Offset));
        Assert.True(deadLetters.TryReceiveAll(out var sent));
        Assert.Equal([1L, 4L], sent.Select(r => r.Offset));
    }

    [Fact]
    public async Task A_chunk_whose_every_record_left_is_dropped_by_the_link_and_the_next_chunk_goes_on()
    {
        var source = new BufferBlock<RecordChunk>();
        var next = new BufferBlock<RecordChunk>();
        ChunkRouting.LinkOn(source, next);
        var emptied = new RecordChunk(Record(0, 0));
        emptied[0].Fail(new DeadLetterReason("invalid_json", "bad", "decode"));
        await ChunkRouting.SettleAsync(emptied, new BufferBlock<IngestRecord>(), CancellationToken.None);

        source.Post(emptied);
        source.Post(new RecordChunk(Record(0, 1)));
        source.Complete();

        var passed = await next.ReceiveAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, passed.First.Offset);
        await next.Completion.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_dlq_block_that_has_failed_fails_the_stage_instead_of_losing_the_record()
    {
        var chunk = new RecordChunk(Record(0, 0));
        chunk[0].Fail(new DeadLetterReason("invalid_json", "bad", "decode"));
        var deadLetters = new BufferBlock<IngestRecord>();
        ((IDataflowBlock)deadLetters).Fault(new InvalidOperationException("dlq down"));

        var error = await Assert.ThrowsAsync<DeadLetterRefusedException>(() => ChunkRouting.SettleAsync(chunk, deadLetters, CancellationToken.None));
        Assert.Contains("events[0]@0", error.Message, StringComparison.Ordinal);
        Assert.Equal("dlq down", error.InnerException?.Message);
    }

    /// <summary>
    /// Whatever order records of several partitions arrive in, and however decode takes them, the hold queue hands
    /// decode every record once, each chunk of one partition, and every partition's records in their poll order.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property The_hold_queue_keeps_each_partition_s_order_and_loses_nothing() =>
        Prop.ForAll(
            Gen.Choose(0, 3).ArrayOf().Select(p => p.Take(1_000).ToArray()).ToArbitrary(),
            Gen.Choose(1, 5).ArrayOf().ToArbitrary(),
            (partitions, takes) =>
            {
                var held = new HoldQueue(limit: 10_000);
                var decode = new BufferBlock<RecordChunk>();
                var next = new long[4];
                var polled = new List<IngestRecord>();
                var turn = 0;
                foreach (var partition in partitions)
                {
                    var record = Record(partition, next[partition]++);
                    polled.Add(record);
                    held.Add(record);
                    // Decode takes chunks now and then, as the poll loop's turns do.
                    if (takes.Length > 0 && polled.Count % takes[turn++ % takes.Length] == 0)
                    {
                        held.Drain(decode);
                    }
                }

                held.Drain(decode);
                decode.TryReceiveAll(out var chunks);
                var received = (chunks ?? []).SelectMany(Records).ToList();
                return held.Count == 0
                    && received.Count == polled.Count
                    && (chunks ?? []).All(c => Records(c).All(r => r.Partition == c.Partition) && c.Count <= RecordChunk.MaxRecords)
                    && Enumerable.Range(0, 4).All(p =>
                        received.Where(r => r.Partition == p).Select(r => r.Offset).SequenceEqual(polled.Where(r => r.Partition == p).Select(r => r.Offset)));
            });

    [Fact]
    public void Records_of_a_partition_that_is_revoked_leave_the_hold_queue_and_their_budget()
    {
        var held = new HoldQueue(limit: 10);
        var budget = new InFlightBudget(1L << 30, 1_000, 50);
        foreach (var record in new[] { Record(0, 0), Record(1, 0), Record(0, 1) })
        {
            budget.Admit(record.Bytes);
            held.Add(record);
        }

        held.Remove(new TopicPartition("events", 0), budget);

        Assert.Equal(1, held.Count);
        Assert.Equal(1, budget.Records);
        Assert.Equal(1, held.CountOf([new TopicPartition("events", 1)]));
        Assert.Equal(0, held.CountOf([new TopicPartition("events", 0)]));
    }
}
