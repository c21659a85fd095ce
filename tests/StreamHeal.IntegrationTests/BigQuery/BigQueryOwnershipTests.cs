using StreamHeal.TestSupport;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Dev.Kafka;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using Xunit;
using Xunit.Abstractions;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>
/// Exactly-once when a partition's owner changes: two sink instances sharing one checkpoint topic stand for two replicas
/// of one consumer group, and the test decides when the partition moves, so the interleaving is exact.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class BigQueryOwnershipTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task A_member_that_lost_its_partition_mid_append_is_fenced_and_every_row_lands_once()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, Loggers(new CapturingLoggerProvider()), BigQuerySinkOptions.ExactlyOnce);
        await using var a = await scope.OpenAsync();
        await a.WriteAsync(BigQuerySinkScope.Batch(0, 100), CancellationToken.None);
        var first = scope.Fake.Store.RowRecordsOf(scope.TablePath).Select(r => r.Stream).Distinct().Single();

        // A's next append is in flight when the partition moves to B (A's revoke timed out: it goes on writing).
        scope.Fake.Faults.AppendLatency = TimeSpan.FromSeconds(1);
        var zombie = BigQuerySinkScope.WriteUntilDoneAsync(a, BigQuerySinkScope.Batch(100, 100));
        await Eventually.Until(() => scope.Fake.Appends.InFlight > 0, TimeSpan.FromSeconds(30), "A's append in flight");
        // The stream goes away under both: each would go on on a stream of its own, and only fencing keeps A off.
        scope.Fake.Store.DropStream(first);
        await using var b = await scope.OpenAsync();
        b.PartitionsAssigned(BigQuerySinkScope.Table, [0]);
        var owner = BigQuerySinkScope.WriteUntilDoneAsync(b, BigQuerySinkScope.Batch(100, 100));
        await Task.WhenAll(zombie, owner);
        scope.Fake.Faults.AppendLatency = TimeSpan.Zero;

        // Both go on writing; only the owner's rows reach BigQuery.
        await Task.WhenAll(
            BigQuerySinkScope.WriteUntilDoneAsync(a, BigQuerySinkScope.Batch(200, 100)),
            BigQuerySinkScope.WriteUntilDoneAsync(b, BigQuerySinkScope.Batch(200, 100)));

        foreach (var g in scope.Fake.Store.RowRecordsOf(scope.TablePath).GroupBy(r => r.Stream))
        {
            output.WriteLine($"stream {g.Key[^6..]}: {g.Count()} rows, offsets {g.Min(r => Convert.ToInt64(r.Values[ReservedColumns.KafkaOffset]))}..{g.Max(r => Convert.ToInt64(r.Values[ReservedColumns.KafkaOffset]))}, appended {g.Min(r => r.AppendedAt):HH:mm:ss.fff}");
        }

        Assert.Equal(1, a.Stats.FencedPartitions);
        Assert.Equal(0, b.Stats.FencedPartitions);
        Assert.Contains("fenced-partitions=1", a.StatusLine, StringComparison.Ordinal);
        BigQuerySinkScope.AssertEachOnce(scope.Counts(), 0, 0, 300);

        // A restart resumes from the owner's checkpoint, not from a late one of the member that lost the partition.
        await using var restarted = await scope.OpenAsync();
        var result = await BigQuerySinkScope.WriteUntilDoneAsync(restarted, BigQuerySinkScope.Batch(150, 200));
        Assert.All(Enumerable.Range(0, 150), i => Assert.Equal(RowOutcome.AlreadyWritten, result[i]));
        Assert.All(Enumerable.Range(150, 50), i => Assert.Equal(RowOutcome.Written, result[i]));
        BigQuerySinkScope.AssertEachOnce(scope.Counts(), 0, 0, 350);
        Assert.Equal(350, scope.Fake.Store.RowRecordsOf(scope.TablePath).Count);
    }

    /// <summary>
    /// Regression: a member whose revoke timed out wrote a late batch of a partition it had never written, so it
    /// claimed the partition afresh and fenced the new owner; the owner then marked its own rows written without
    /// writing them, and committed them.
    /// </summary>
    [Fact]
    public async Task An_owner_fenced_by_a_late_claim_of_a_former_owner_claims_again_and_loses_nothing()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, Loggers(new CapturingLoggerProvider()), BigQuerySinkOptions.ExactlyOnce);
        await using var former = await scope.OpenAsync();
        await using var owner = await scope.OpenAsync();
        former.PartitionsAssigned(BigQuerySinkScope.Table, [0]);
        owner.PartitionsAssigned(BigQuerySinkScope.Table, [0]);
        static long? Held(int partition) => 0;
        static long? Gone(int partition) => null;
        var first = await BigQuerySinkScope.WriteUntilDoneAsync(owner, BigQuerySinkScope.Batch(0, 100) with { DoneBelow = Held });
        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(RowOutcome.Written, first[i]));

        // The former owner's late batch, told it no longer holds the partition: it claims nothing.
        var late = await BigQuerySinkScope.WriteUntilDoneAsync(former, BigQuerySinkScope.Batch(0, 100) with { DoneBelow = Gone });
        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(RowOutcome.AlreadyWritten, late[i]));
        var next = await BigQuerySinkScope.WriteUntilDoneAsync(owner, BigQuerySinkScope.Batch(100, 100) with { DoneBelow = Held });
        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(RowOutcome.Written, next[i]));
        Assert.Equal(0, owner.Stats.FencedPartitions);

        // A late claim that does fence the owner (a former owner with no tracker to ask). The owner's append went in
        // before its checkpoint found the fence; it claims again, finds its rows in the stream, and goes on writing.
        await BigQuerySinkScope.WriteUntilDoneAsync(former, BigQuerySinkScope.Batch(100, 100));
        var fenced = await BigQuerySinkScope.WriteUntilDoneAsync(owner, BigQuerySinkScope.Batch(200, 100) with { DoneBelow = Held });
        var after = await BigQuerySinkScope.WriteUntilDoneAsync(owner, BigQuerySinkScope.Batch(300, 100) with { DoneBelow = Held });

        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(RowOutcome.AlreadyWritten, fenced[i]));
        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(RowOutcome.Written, after[i]));
        Assert.Equal(1, owner.Stats.FencedPartitions);
        BigQuerySinkScope.AssertEachOnce(scope.Counts(), 0, 0, 400);
    }

    /// <summary>
    /// Regression: the checkpoint that records rows BigQuery refused was written without reading the topic back. A
    /// former owner that had not yet fetched a new claim then resent the rest of its chunk, without the refused row, to
    /// the stream at row offsets the new owner knew nothing about. The new owner, resuming from the state its claim
    /// took over (no refusal in it), counted its own rows against the stream's end: one row landed twice and the refused
    /// row was reported as already written instead of going to its dead letter.
    /// </summary>
    [Fact]
    public async Task A_former_owner_that_refuses_rows_after_a_claim_it_has_not_read_yet_resends_nothing()
    {
        // A cluster of its own: the fetch delays below stay queued on the broker after the test.
        var cluster = new KafkaClusterFixture();
        try
        {
            await using var scope = await BigQuerySinkScope.StartAsync(cluster, Loggers(new CapturingLoggerProvider()), BigQuerySinkOptions.ExactlyOnce);
            var checkpoints = scope.Options.CheckpointTopicFor(scope.Kafka.GroupId);
            cluster.Cluster.SetPartitionLeader(checkpoints, 0, 1);
            await using var former = await scope.OpenAsync();
            var first = await former.WriteAsync(BigQuerySinkScope.Batch(0, 10), CancellationToken.None);
            Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(RowOutcome.Written, first[i]));

            // From now on every fetch of the checkpoint topic that returns records is answered 5 s late (the mock keeps
            // an empty fetch to its wait time), so the former owner cannot read what is written next for 5 s.
            for (var i = 0; i < 1_000; i++)
            {
                cluster.Cluster.PushBrokerRequestDelay(1, KafkaApiKey.Fetch, TimeSpan.FromSeconds(5));
            }

            // Another member claims the partition (epoch 1, over the former owner's 0).
            using (var producer = new ProducerBuilder<byte[], byte[]>(KafkaTestSettings.Producer(cluster.BootstrapServers)).Build())
            {
                await producer.ProduceAsync(checkpoints, new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes($"{scope.Kafka.GroupId}/{BigQuerySinkScope.Table}/0#c1@owner"), Value = [] });
            }

            scope.Fake.Store.RowRule = row => Convert.ToInt64(row[ReservedColumns.KafkaOffset]) == 15 ? "bad row" : null;
            var late = await former.WriteAsync(BigQuerySinkScope.Batch(10, 10), CancellationToken.None);

            // The refusal's checkpoint found the claim: nothing more of this batch went to the stream.
            Assert.Equal(1, former.Stats.FencedPartitions);
            Assert.Equal(RowOutcome.Rejected, late[5]);
            Assert.Equal(10, scope.Fake.Store.RowRecordsOf(scope.TablePath).Count);

            // The owner takes over, on a broker without delays.
            cluster.Cluster.SetPartitionLeader(checkpoints, 0, 2);
            await using var owner = await scope.OpenAsync();
            owner.PartitionsAssigned(BigQuerySinkScope.Table, [0]);
            var result = await BigQuerySinkScope.WriteUntilDoneAsync(owner, BigQuerySinkScope.Batch(10, 10));

            Assert.Equal(RowOutcome.Rejected, result[5]);
            Assert.All(Enumerable.Range(0, 10).Where(i => i != 5), i => Assert.Equal(RowOutcome.Written, result[i]));
            var counts = scope.Counts();
            Assert.False(counts.ContainsKey((0L, 15L)));
            Assert.Equal(19, scope.Fake.Store.RowRecordsOf(scope.TablePath).Count);
            BigQuerySinkScope.AssertEachOnce(counts, 0, 0, 15);
            BigQuerySinkScope.AssertEachOnce(counts, 0, 16, 4);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>
    /// Regression: a checkpoint topic that refuses writes for good (here an ACL) was retried for ever as a sink outage,
    /// holding the table's offsets with nothing written. The write now fails for good, so the pipeline stops and says why.
    /// </summary>
    [Fact]
    public async Task A_checkpoint_topic_that_refuses_writes_for_good_fails_the_write_instead_of_waiting_for_ever()
    {
        var cluster = new KafkaClusterFixture();
        try
        {
            await using var scope = await BigQuerySinkScope.StartAsync(cluster, Loggers(new CapturingLoggerProvider()), BigQuerySinkOptions.ExactlyOnce);
            await using var sink = await scope.OpenAsync();
            await sink.WriteAsync(BigQuerySinkScope.Batch(0, 10), CancellationToken.None);

            cluster.Cluster.PushRequestErrors(KafkaApiKey.Produce, Enumerable.Repeat(ErrorCode.TopicAuthorizationFailed, 100).ToArray());
            var refused = await Assert.ThrowsAsync<StreamHeal.Sink.BigQuery.Checkpoints.CheckpointTopicRefusedException>(
                () => sink.WriteAsync(BigQuerySinkScope.Batch(10, 10), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(60)));
            output.WriteLine(refused.Message);
            Assert.Contains("Topic authorization failed", refused.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("sink.bigquery.checkpointTopic", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_checkpoint_that_does_not_parse_is_exactly_once_lost_and_never_an_older_one()
    {
        var logs = new CapturingLoggerProvider();
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, Loggers(logs), BigQuerySinkOptions.ExactlyOnce);
        await using (var first = await scope.OpenAsync())
        {
            await first.WriteAsync(BigQuerySinkScope.Batch(0, 100), CancellationToken.None);
        }

        var stream = scope.Fake.Store.RowRecordsOf(scope.TablePath).Select(r => r.Stream).Distinct().Single();
        using (var producer = new ProducerBuilder<byte[], byte[]>(KafkaTestSettings.Producer(kafka.BootstrapServers)).Build())
        {
            // The newest record of the key: a valid one (stream at row 100) lies before it.
            await producer.ProduceAsync(
                scope.Options.CheckpointTopicFor(scope.Kafka.GroupId),
                new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes($"{scope.Kafka.GroupId}/{BigQuerySinkScope.Table}/0"), Value = Encoding.UTF8.GetBytes("{\"stream\":") });
        }

        await using var restarted = await scope.OpenAsync();
        var result = await BigQuerySinkScope.WriteUntilDoneAsync(restarted, BigQuerySinkScope.Batch(100, 50));

        Assert.Contains(logs.Lines, l => l.StartsWith("EXACTLY-ONCE LOST", StringComparison.Ordinal) && l.Contains("does not parse", StringComparison.Ordinal));
        Assert.Equal(1, restarted.Stats.UnreadableCheckpoints);
        Assert.Equal(1, restarted.Stats.GuaranteeLosses);
        Assert.Contains("EXACTLY-ONCE-LOST=1", restarted.StatusLine, StringComparison.Ordinal);
        Assert.Contains("unreadable-checkpoints=1", restarted.StatusLine, StringComparison.Ordinal);
        // The older checkpoint would have continued the old stream at row 100; a new stream takes the rows instead.
        Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(RowOutcome.Written, result[i]));
        var newRows = scope.Fake.Store.RowRecordsOf(scope.TablePath).Where(r => Convert.ToInt64(r.Values[ReservedColumns.KafkaOffset]) >= 100).ToList();
        Assert.Equal(50, newRows.Count);
        Assert.All(newRows, r => Assert.NotEqual(stream, r.Stream));
    }

    [Fact]
    public async Task Every_partition_of_a_batch_right_after_a_schema_change_is_resumed_before_any_row_is_sent()
    {
        // Rows in the table each time a partition's state is made: none of this batch may be there yet.
        var rowsAtResume = new List<int>();
        BigQuerySinkScope? current = null;
        var logs = new CapturingLoggerProvider(line =>
        {
            if (line.Contains("resuming on stream", StringComparison.Ordinal) && current is { } s)
            {
                lock (rowsAtResume)
                {
                    rowsAtResume.Add(s.Fake.Store.RowRecordsOf(s.TablePath).Count);
                }
            }
        });
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, Loggers(logs), BigQuerySinkOptions.ExactlyOnce);
        current = scope;
        await using var sink = await scope.OpenAsync();
        await sink.WriteAsync(BigQuerySinkScope.Batch(0, 10), CancellationToken.None);
        lock (rowsAtResume)
        {
            rowsAtResume.Clear();
        }

        const int Partitions = 24;
        await sink.EnsureTableAsync(BigQuerySinkScope.Table, BigQueryTestRows.WideColumns, CancellationToken.None);
        SinkRow[] rows = [.. Enumerable.Range(1, Partitions).SelectMany(p => Enumerable.Range(0, 20).Select(offset => WideRow(p, offset)))];
        var batch = new SinkBatch(BigQuerySinkScope.Table, BigQuerySinkScope.Table, BigQueryTestRows.WideColumns, rows);

        var result = await BigQuerySinkScope.WriteUntilDoneAsync(sink, batch);

        Assert.All(Enumerable.Range(0, rows.Length), i => Assert.Equal(RowOutcome.Written, result[i]));
        Assert.Equal(Partitions, rowsAtResume.Count);
        Assert.All(rowsAtResume, count => Assert.Equal(10, count));
        var counts = scope.Counts();
        for (var p = 1; p <= Partitions; p++)
        {
            BigQuerySinkScope.AssertEachOnce(counts, p, 0, 20);
        }
    }

    private static SinkRow WideRow(int partition, long offset)
    {
        var row = BigQuerySinkScope.Row(partition, offset);
        row.Row.Add("color", FieldValue.FromString($"red{offset}"));
        return row;
    }

    private ILoggerFactory Loggers(CapturingLoggerProvider recording) =>
        LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(recording).AddProvider(new TestOutputLoggerProvider(output)));
}
