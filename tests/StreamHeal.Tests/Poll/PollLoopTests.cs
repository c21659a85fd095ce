using System.Text;
using System.Threading.Tasks.Dataflow;
using Confluent.Kafka;
using StreamHeal.Kafka;
using StreamHeal.Poll;
using StreamHeal.Flow;
using StreamHeal.Records;
using Xunit;
using static StreamHeal.Tests.Poll.PollLoopHarness;

namespace StreamHeal.Tests.Poll;

public sealed class PollLoopTests
{
    private static string Text(IngestRecord record) => record.Value is null ? "" : Encoding.UTF8.GetString(record.Value);

    // The data-loss report: librdkafka reports a partition-level Fetch error at the partition's next fetch position.
    // Dead-lettering it registered that offset, so the real event there was refused (offsets must increase) and lost.
    [Fact]
    public async Task A_fetch_authorization_error_at_the_next_position_is_a_condition_and_the_event_there_is_still_read()
    {
        await using var h = new PollLoopHarness();
        int? before = null, during = null;
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Consumer.Script(_ => { before = h.Loop.KafkaConditions; return null; });
        h.Consumer.ScriptError(ErrorCode.TopicAuthorizationFailed, new TopicPartitionOffset(P0, 1));
        h.Consumer.ScriptError(ErrorCode.TopicAuthorizationFailed, new TopicPartitionOffset(P0, 1));
        h.Consumer.Script(_ => { during = h.Loop.KafkaConditions; return null; });
        h.Consumer.ScriptRecord(P0, 1, "e1");
        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 2 && h.Consumer.ScriptDone; }, "both events");
        Assert.Equal(["e0", "e1"], received.Select(Text));
        Assert.All(received, r => Assert.False(r.IsDeadLetter));
        Assert.Equal(0, before);
        Assert.Equal(1, during);
        await Until(() => h.Loop.KafkaConditions == 0, "the condition to clear when the event arrived");
        Assert.Equal(2, h.Metrics.KafkaConditions);

        received.ForEach(h.Complete);
        await h.StopAsync();
        Assert.Contains(h.Consumer.Commits, c => c.TopicPartition == P0 && c.Offset.Value == 2);
    }

    // CORRUPT_MESSAGE comes from the broker as a partition-level Fetch error: librdkafka reports it at the partition's
    // next fetch position and fetches that offset again after a backoff. Dead-lettering it registered the offset of a
    // message not read yet, so the real event there was refused when the refetch delivered it, and lost.
    [Fact]
    public async Task A_broker_corrupt_message_fetch_error_is_a_condition_and_the_event_there_is_still_read()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Consumer.ScriptError(ErrorCode.InvalidMsg, new TopicPartitionOffset(P0, 1), new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(new Error(ErrorCode.InvalidMsg).Reason) });
        h.Consumer.ScriptRecord(P0, 1, "e1");
        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count >= 2 && h.Consumer.ScriptDone; }, "both events");
        Assert.Equal(["e0", "e1"], received.Select(Text));
        Assert.All(received, r => Assert.False(r.IsDeadLetter));

        received.ForEach(h.Complete);
        await h.StopAsync();
        Assert.Contains(h.Consumer.Commits, c => c.TopicPartition == P0 && c.Offset.Value == 2);
    }

    // The leak check every pipeline test ends with reads this: the tracker itself is emptied by the close's revoke.
    [Fact]
    public async Task Offsets_still_pending_when_the_loop_stops_are_reported_after_the_close()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Consumer.ScriptRecord(P0, 1, "e1");
        h.Start();
        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 2; }, "both events");
        Assert.Equal(-1, h.Loop.PendingAtShutdown);

        h.Complete(received[0]);
        await h.StopAsync();

        Assert.Equal(1, h.Loop.PendingAtShutdown);
    }

    [Fact]
    public async Task Records_still_held_back_at_the_stop_are_not_counted_as_pending_but_one_in_the_pipeline_is()
    {
        var decode = new BufferBlock<RecordChunk>(new DataflowBlockOptions { BoundedCapacity = 1 });
        await using var h = new PollLoopHarness(decode: decode);
        h.Consumer.ScriptAssign(P0, P1);
        // Alternating partitions: three chunks of one record each, and decode takes one chunk.
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Consumer.ScriptRecord(P1, 0, "e1");
        h.Consumer.ScriptRecord(P0, 1, "e2");
        h.Start();
        await Until(() => h.Metrics.Polled == 3, "three records polled, two of them held");

        await h.StopAsync();

        Assert.Equal(1, h.Loop.PendingAtShutdown);
    }

    [Fact]
    public async Task Nothing_is_reported_pending_when_every_record_completed_before_the_stop()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Start();
        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 1; }, "the event");

        received.ForEach(h.Complete);
        await h.StopAsync();

        Assert.Equal(0, h.Loop.PendingAtShutdown);
    }

    [Fact]
    public async Task A_corrupt_message_goes_to_the_dead_letter_route_with_its_offset_and_the_next_one_is_read()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptError(ErrorCode.Local_BadMsg, new TopicPartitionOffset(P0, 0));
        h.Consumer.ScriptRecord(P0, 1, "e1");
        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 2; }, "the dead letter and the next event");
        Assert.Equal(0, received[0].Offset);
        Assert.Equal("consume_error", received[0].Failure?.Type);
        Assert.False(received[1].IsDeadLetter);
        Assert.Equal(0, h.Loop.KafkaConditions);
    }

    [Fact]
    public async Task A_record_that_could_not_be_deserialized_is_dead_lettered_with_its_bytes()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptError(ErrorCode.Local_ValueDeserialization, new TopicPartitionOffset(P0, 0), new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes("raw") });
        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 1; }, "the dead letter");
        Assert.Equal("raw", Text(received[0]));
        Assert.Equal("consume_error", received[0].Failure?.Type);
    }

    // What librdkafka really delivers with a fetch error: the error text as the value, at the next unread offset.
    [Fact]
    public async Task A_fetch_timeout_carrying_librdkafkas_error_text_is_a_condition_not_a_dead_letter()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptError(ErrorCode.RequestTimedOut, new TopicPartitionOffset(P0, 0), new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(new Error(ErrorCode.RequestTimedOut).Reason) });
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 1 && h.Consumer.ScriptDone; }, "the event");
        Assert.Equal("e0", Text(received[0]));
        Assert.False(received[0].IsDeadLetter);
    }

    [Fact]
    public async Task A_condition_that_outlasts_fatal_after_stops_the_loop_naming_the_topic_and_the_fix_and_commits_nothing_unread()
    {
        await using var h = PollLoopHarness.WithFatalAfter(TimeSpan.FromMinutes(1));
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Consumer.Script(_ =>
        {
            foreach (var record in h.Received())
            {
                h.Complete(record);
            }

            return null;
        });
        h.Consumer.ScriptRepeatingError(ErrorCode.TopicAuthorizationFailed, new TopicPartitionOffset(P0, 1), TimeSpan.FromMilliseconds(500));
        h.Start();

        var error = await Assert.ThrowsAsync<KafkaConditionException>(() => h.Run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("events[0]", error.Message, StringComparison.Ordinal);
        Assert.Contains("TopicAuthorizationFailed", error.Message, StringComparison.Ordinal);
        Assert.Contains("Read and Describe on topic 'events'", error.Message, StringComparison.Ordinal);
        Assert.All(h.Consumer.Commits.Concat(h.Consumer.Stored), c => Assert.True(c.Offset.Value <= 1, $"committed past the unread event: {c}"));
        Assert.Contains(h.Consumer.Commits, c => c.Offset.Value == 1);
    }

    [Fact]
    public async Task A_condition_not_reported_again_clears_by_itself()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptError(ErrorCode.NotLeaderForPartition, new TopicPartitionOffset(P0, 0));
        int? during = null;
        h.Consumer.Script(_ => { during = h.Loop.KafkaConditions; return null; });
        h.Start();

        // The fake clock runs as fast as the loop polls, so the condition is observed from inside the loop.
        await Until(() => during is not null && h.Loop.KafkaConditions == 0, "the condition to clear after the quiet period");
        Assert.Equal(1, during);
        Assert.False(h.Run.IsCompleted);
    }

    [Fact]
    public async Task All_brokers_down_lasts_until_the_brokers_answer_a_metadata_probe()
    {
        await using var h = PollLoopHarness.WithFatalAfter(TimeSpan.FromDays(1));
        h.Consumer.BrokersAnswer = false;
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptClientError(ErrorCode.Local_AllBrokersDown);
        h.Start();

        await Until(() => h.Loop.KafkaConditions == 1 && Volatile.Read(ref h.Consumer.Probes) >= 3, "probes while the brokers are down");
        // Well past the quiet period: "all brokers down" is said once, so silence does not mean they are back.
        var since = h.Time.GetUtcNow();
        await Until(() => h.Time.GetUtcNow() - since > TimeSpan.FromSeconds(60), "a minute of fake time");
        Assert.Equal(1, h.Loop.KafkaConditions);

        h.Consumer.BrokersAnswer = true;
        await Until(() => h.Loop.KafkaConditions == 0, "the condition to clear when the brokers answer");
    }

    [Fact]
    public async Task Brokers_down_past_fatal_after_stop_the_loop_naming_the_bootstrap_servers_without_a_blocking_commit()
    {
        await using var h = PollLoopHarness.WithFatalAfter(TimeSpan.FromMinutes(1));
        h.Consumer.BrokersAnswer = false;
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Consumer.Script(_ =>
        {
            h.Received().ForEach(h.Complete);
            return null;
        });
        h.Consumer.ScriptClientError(ErrorCode.Local_AllBrokersDown);
        h.Start();

        var error = await Assert.ThrowsAsync<KafkaConditionException>(() => h.Run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("broker-a:9092", error.Message, StringComparison.Ordinal);
        Assert.Empty(h.Consumer.Commits);
        Assert.Contains(h.Consumer.Stored, s => s.Offset.Value == 1);
    }

    [Fact]
    public async Task One_brokers_connection_errors_are_shown_but_never_stop_the_service()
    {
        await using var h = PollLoopHarness.WithFatalAfter(TimeSpan.FromMinutes(1));
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRepeatingError(ErrorCode.Local_Transport, null, TimeSpan.FromSeconds(10));
        h.Start();

        await Until(() => h.Metrics.KafkaConditions >= 30, "five minutes of connection errors");
        Assert.Equal(1, h.Loop.KafkaConditions);
        Assert.False(h.Run.IsCompleted);
    }

    [Fact]
    public async Task An_offset_reset_restarts_the_partition_at_the_earliest_kept_offset_and_counts_the_skipped_range()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.Watermarks = new WatermarkOffsets(10, 20);
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptError(ErrorCode.Local_AutoOffsetReset, new TopicPartitionOffset(P0, 5));
        h.Start();

        await Until(() => h.Consumer.Assigns.Any(a => a.Any(p => p.TopicPartition == P0 && p.Offset.Value == 10)), "the reassignment at 10");
        Assert.Equal(5, h.Metrics.OffsetResetSkipped);
    }

    /// <summary>
    /// Regression: with every committed offset gone at once, a fetch still in flight at the old offset can report it
    /// again after the partition was restarted, and the client may then leave the partition stopped. Ignoring that
    /// report left the partition unread forever; the loop sets the assignment again instead, without a second reset.
    /// </summary>
    [Fact]
    public async Task An_offset_reset_reported_again_after_the_restart_sets_the_assignment_again_without_a_second_reset()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.Watermarks = new WatermarkOffsets(10, 20);
        h.Consumer.ScriptAssign(P0, P1);
        h.Consumer.ScriptError(ErrorCode.Local_AutoOffsetReset, new TopicPartitionOffset(P0, 5));
        h.Consumer.ScriptError(ErrorCode.Local_AutoOffsetReset, new TopicPartitionOffset(P0, 5));
        h.Consumer.ScriptRecord(P0, 10, "e10");
        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 1; }, "the record at the new start");
        var sets = h.Consumer.Assigns.Skip(1).ToList();
        Assert.Equal(2, sets.Count);
        Assert.All(sets, set => Assert.Equal(10, set.Single(p => p.TopicPartition == P0).Offset.Value));
        Assert.Equal(1, h.Metrics.OffsetResets);
        Assert.Equal(5, h.Metrics.OffsetResetSkipped);
    }

    /// <summary>
    /// Regression: a transaction's commit marker takes an offset but is no record. The loop stored the offset after its
    /// last record, so a transactional partition stayed one behind its end for ever: lag 1, and a stall to the watchdog.
    /// </summary>
    [Fact]
    public async Task Offsets_the_client_passed_without_a_record_are_stored_so_a_transactional_partition_reaches_its_end()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.Watermarks = new WatermarkOffsets(0, 3);
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Consumer.ScriptRecord(P0, 1, "e1");
        // The commit marker at 2: the client hands over no message for it, but its position moves past it.
        h.Consumer.Script(c =>
        {
            c.Positions[P0] = new Offset(3);
            return null;
        });
        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 2; }, "both events");
        received.ForEach(h.Complete);
        await Until(
            () =>
            {
                h.Time.Advance(TimeSpan.FromMilliseconds(100));
                return h.Consumer.Stored.Any(static s => s.TopicPartition == P0 && s.Offset.Value == 3);
            },
            "the offset after the marker stored");
        await Until(() => { h.Time.Advance(TimeSpan.FromMilliseconds(100)); return h.Loop.PartitionGauges is [{ LagMessages: 0, NextOffset: 3 }]; }, "no lag");
        Assert.Equal(0, h.Tracker.Pending(P0));
    }

    /// <summary>
    /// Regression: the left-over error could also come after the partition had polled a record from its new start.
    /// That cleared the mark, so it was taken for a new reset: a second Error, a second count, and the range read again.
    /// </summary>
    [Fact]
    public async Task An_offset_reset_reported_again_after_records_from_the_new_start_is_still_no_second_reset()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.Watermarks = new WatermarkOffsets(10, 20);
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptError(ErrorCode.Local_AutoOffsetReset, new TopicPartitionOffset(P0, 5));
        h.Consumer.ScriptRecord(P0, 10, "e10");
        h.Consumer.ScriptError(ErrorCode.Local_AutoOffsetReset, new TopicPartitionOffset(P0, 5));
        h.Consumer.ScriptRecord(P0, 11, "e11");
        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 2; }, "both records from the new start");
        Assert.Equal([10L, 11L], received.Select(static r => r.Offset));
        Assert.Equal(1, h.Metrics.OffsetResets);
        // Set again where the loop had got to, after the record at 10.
        Assert.Equal(11, h.Consumer.Assigns.Last().Single(p => p.TopicPartition == P0).Offset.Value);
    }

    /// <summary>
    /// Regression (found in review, before it shipped): right after an offset reset back, the client can still report
    /// the old assignment's position. Passing to it registered the old last offset under the new assignment, so the
    /// records read again from the reset target were dropped as already admitted, and committed: lost.
    /// </summary>
    [Fact]
    public async Task A_stale_client_position_right_after_a_reset_back_passes_nothing_and_every_record_is_read_again()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.Watermarks = new WatermarkOffsets(0, 10);
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 10, "e10");
        h.Consumer.ScriptRecord(P0, 11, "e11");
        // The log was truncated: offset 12 is gone (the end is 10 now), and earliest is 0, behind what was read.
        h.Consumer.ScriptError(ErrorCode.Local_AutoOffsetReset, new TopicPartitionOffset(P0, 12));
        h.Consumer.Script(c =>
        {
            // The client still reports where the old assignment had got to, across a lag refresh.
            c.Positions[P0] = new Offset(12);
            h.Time.Advance(TimeSpan.FromSeconds(2));
            return null;
        });
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Consumer.ScriptRecord(P0, 1, "e1");
        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count >= 4; }, "the records read again from the reset target");
        Assert.Equal([10L, 11L, 0L, 1L], received.Select(static r => r.Offset));
        Assert.Equal(2, h.Tracker.Pending(P0));
    }

    /// <summary>
    /// Regression: an out-of-range answer for an offset the broker still holds (a leader change under the fetch) was
    /// taken for a reset. With startFrom=latest that skipped the rest of the partition; with earliest it read the
    /// partition again from its start.
    /// </summary>
    [Fact]
    public async Task Out_of_range_for_an_offset_the_broker_still_holds_is_no_reset_and_reading_goes_on_from_there()
    {
        await using var h = new PollLoopHarness(o => new PollOptions
        {
            Topics = o.Topics, BootstrapServers = o.BootstrapServers, GroupId = o.GroupId, HoldLimit = o.HoldLimit, StartFrom = StartFrom.Latest,
        });
        h.Consumer.Watermarks = new WatermarkOffsets(0, 20);
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 10, "e10");
        h.Consumer.ScriptRecord(P0, 11, "e11");
        h.Consumer.ScriptError(ErrorCode.Local_AutoOffsetReset, new TopicPartitionOffset(P0, 12));
        h.Consumer.ScriptRecord(P0, 12, "e12");
        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 3; }, "the records on both sides of the error");
        Assert.Equal([10L, 11L, 12L], received.Select(static r => r.Offset));
        Assert.Equal(0, h.Metrics.OffsetResets);
        Assert.Equal(1, h.Metrics.KafkaConditions);
        // The fetcher the error stopped is started again where the loop had got to.
        Assert.Equal(12, h.Consumer.Assigns.Last().Single(p => p.TopicPartition == P0).Offset.Value);
        Assert.Equal(3, h.Tracker.Pending(P0));
    }

    /// <summary>
    /// Regression: when the partition's watermarks could not be read, the reset waited for the error again, but the
    /// client reports it once and leaves the partition's fetcher stopped: the partition was never read again.
    /// </summary>
    [Fact]
    public async Task A_reset_whose_watermarks_cannot_be_read_is_asked_for_again_and_reported_as_a_condition_meanwhile()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.Watermarks = new WatermarkOffsets(30, 40);
        h.Consumer.WatermarkFailures = 2;
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 10, "e10");
        h.Consumer.ScriptError(ErrorCode.Local_AutoOffsetReset, new TopicPartitionOffset(P0, 11));
        h.Start();

        // The harness's clock moves with each empty poll, so the two failed attempts and the third come quickly. Each
        // failure is a condition report (DEGRADED while it lasts); the third attempt resets.
        await Until(() => h.Metrics.OffsetResets == 1, "the reset asked for again until the watermarks were read");
        Assert.Equal(0, h.Consumer.WatermarkFailures);
        Assert.Equal(2, h.Metrics.KafkaConditions);
        Assert.Equal(2, h.Consumer.Assigns.Count);
        Assert.Equal(30, h.Consumer.Assigns.Last().Single(p => p.TopicPartition == P0).Offset.Value);
    }

    [Fact]
    public async Task A_partition_whose_reset_keeps_failing_does_not_keep_the_others_from_theirs()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.Watermarks = new WatermarkOffsets(30, 40);
        h.Consumer.WatermarksRefused.Add(P0);
        h.Consumer.WatermarkFailures = 1;
        h.Consumer.ScriptAssign(P0, P1);
        h.Consumer.ScriptError(ErrorCode.Local_AutoOffsetReset, new TopicPartitionOffset(P0, 11));
        // P1's first query fails too (the broker was briefly away); each retry round stops at its first failure.
        h.Consumer.ScriptError(ErrorCode.Local_AutoOffsetReset, new TopicPartitionOffset(P1, 11));
        h.Start();

        await Until(() => h.Metrics.OffsetResets == 1, "P1 reset although P0's reset fails every time");
        Assert.Equal(30, h.Consumer.Assigns.Last().Single(p => p.TopicPartition == P1).Offset.Value);
        Assert.Equal(0, h.Tracker.Pending(P0));
    }

    [Fact]
    public async Task A_reset_left_pending_is_dropped_when_its_partition_is_assigned_again()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.Watermarks = new WatermarkOffsets(30, 40);
        h.Consumer.WatermarksRefused.Add(P0);
        h.Consumer.CommittedOnBroker[P0] = new Offset(35);
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptError(ErrorCode.Local_AutoOffsetReset, new TopicPartitionOffset(P0, 11));
        h.Consumer.ScriptRevoke(P0);
        h.Consumer.ScriptAssign(P0);
        h.Consumer.Script(c =>
        {
            c.WatermarksRefused.Clear();
            return null;
        });
        h.Start();

        await Until(() => h.Consumer.Assigns.Count >= 2 && h.Consumer.WatermarksRefused.Count == 0, "the partition assigned again and the broker answering");
        var polls = Volatile.Read(ref h.Consumer.Polls);
        // Enough empty polls (each moves the harness's clock) for several retry rounds.
        await Until(() => Volatile.Read(ref h.Consumer.Polls) > polls + 200, "retry rounds to pass");
        Assert.Equal(0, h.Metrics.OffsetResets);
        Assert.Equal(35, h.Consumer.Assigns.Last().Single(p => p.TopicPartition == P0).Offset.Value);
    }

    [Fact]
    public async Task With_start_from_latest_an_uncommitted_partition_starts_at_a_concrete_end_so_a_reset_of_another_skips_nothing_that_arrived_since()
    {
        await using var h = new PollLoopHarness(o => new PollOptions
        {
            Topics = o.Topics, BootstrapServers = o.BootstrapServers, GroupId = o.GroupId, HoldLimit = o.HoldLimit, StartFrom = StartFrom.Latest,
        });
        h.Consumer.Watermarks = new WatermarkOffsets(0, 7);
        h.Consumer.ScriptAssign(P0, P1);
        // Two events arrive on P0 after the assignment; before the loop reads them, P1's position is found gone.
        h.Consumer.Script(c =>
        {
            c.Watermarks = new WatermarkOffsets(0, 9);
            return null;
        });
        // Past the end, as after the topic was recreated.
        h.Consumer.ScriptError(ErrorCode.Local_AutoOffsetReset, new TopicPartitionOffset(P1, 12));
        h.Start();

        await Until(() => h.Consumer.Assigns.Count >= 2, "the assignment set again after the reset");
        Assert.All(h.Consumer.Assigns.First(), p => Assert.Equal(7, p.Offset.Value));
        var again = h.Consumer.Assigns.Last();
        // At End again, P0 would start at 9 and never read offsets 7 and 8.
        Assert.Equal(7, again.Single(p => p.TopicPartition == P0).Offset.Value);
        Assert.Equal(9, again.Single(p => p.TopicPartition == P1).Offset.Value);
    }

    private static async Task<List<IngestRecord>> TwoEventsThenARevokeAsync(PollLoopHarness h, bool revoke = true)
    {
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Consumer.ScriptRecord(P0, 1, "e1");
        if (revoke)
        {
            h.Consumer.ScriptRevoke(P0);
        }

        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 2; }, "both events");
        return received;
    }

    [Fact]
    public async Task A_partition_not_polled_yet_shows_its_whole_backlog_as_lag()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.Watermarks = new WatermarkOffsets(3, 10);
        h.Consumer.ScriptAssign(P0);
        h.Start();

        // No committed offset: it starts at the beginning, the low watermark.
        await Until(() => { h.Time.Advance(TimeSpan.FromSeconds(1)); return h.Loop.PartitionGauges.Any(g => g.LagMessages == 7); }, "P0's lag of 7");
        Assert.Equal(7, h.Loop.Lag);
    }

    [Fact]
    public async Task The_partition_gauges_describe_each_owned_partition_and_drop_one_on_revoke()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.Watermarks = new WatermarkOffsets(0, 10);
        var received = await TwoEventsThenARevokeAsync(h, revoke: false);

        // Refreshed once a second on the loop's clock: P0 polled 0 and 1 of 10, neither finished.
        await Until(() => { h.Time.Advance(TimeSpan.FromSeconds(1)); return h.Loop.PartitionGauges.Any(g => g.Partition == 0 && g.LagMessages == 8); }, "P0's lag");
        var p0 = Assert.Single(h.Loop.PartitionGauges);
        Assert.Equal(("events", 2L, false), (p0.Topic, p0.CommitLagMessages, p0.Paused));

        received.ForEach(h.Complete);
        await Until(() => { h.Time.Advance(TimeSpan.FromSeconds(1)); return h.Loop.PartitionGauges.Any(g => g.CommitLagMessages == 0); }, "P0 committable");
        h.Consumer.ScriptRevoke(P0);
        await Until(() => { h.Time.Advance(TimeSpan.FromSeconds(1)); return h.Loop.PartitionGauges.Count == 0; }, "P0's gauges gone with the partition");
        Assert.Empty(h.Loop.Assignment);
    }

    [Fact]
    public async Task A_revoke_waits_for_the_partitions_records_then_commits_what_they_completed()
    {
        await using var h = new PollLoopHarness();
        var received = await TwoEventsThenARevokeAsync(h);
        Assert.Empty(h.Consumer.Commits);
        received.ForEach(h.Complete);
        await Until(() => h.Consumer.Commits.Any(c => c.TopicPartition == P0 && c.Offset.Value == 2), "the revoke commit");
        Assert.Empty(h.Loop.Assignment);
    }

    [Fact]
    public async Task A_revoke_gives_up_after_its_bound_and_commits_only_what_completed()
    {
        await using var h = new PollLoopHarness();
        var received = await TwoEventsThenARevokeAsync(h);
        h.Complete(received[0]);
        // Each check moves the fake clock on a second, until the revoke's bound has passed and it gives up.
        await Until(() => { h.Time.Advance(TimeSpan.FromSeconds(1)); return h.Loop.Assignment.Count == 0; }, "the revoke to give up");

        await Until(() => !h.Consumer.Commits.IsEmpty, "the revoke commit");
        Assert.Equal([1L], h.Consumer.Commits.Select(c => c.Offset.Value));
    }

    [Fact]
    public async Task A_commit_refused_during_a_rebalance_is_retried_on_the_injected_clock()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.CommitErrors.Enqueue(ErrorCode.RebalanceInProgress);
        h.Consumer.CommitErrors.Enqueue(ErrorCode.RebalanceInProgress);
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 1; }, "the event");
        h.Complete(received[0]);
        var stopping = h.StopAsync();
        await Until(() => { h.Time.Advance(TimeSpan.FromMilliseconds(100)); return stopping.IsCompleted; }, "the stop past two refused commits");

        await stopping;
        Assert.Contains(h.Consumer.Commits, c => c.Offset.Value == 1);
        Assert.Empty(h.Consumer.CommitErrors);
    }

    [Fact]
    public async Task A_full_budget_pauses_every_partition_and_room_again_resumes_them()
    {
        await using var h = new PollLoopHarness(budgetRecords: 2);
        bool? pausedBefore = null;
        h.Consumer.ScriptAssign(P0, P1);
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Consumer.Script(_ => { pausedBefore = h.Loop.IsPaused; return null; });
        h.Consumer.ScriptRecord(P1, 0, "f0");
        h.Start();

        var received = new List<IngestRecord>();
        await Until(() => { received.AddRange(h.Received()); return received.Count == 2 && h.Loop.IsPaused; }, "the pause");
        Assert.True(h.Consumer.AllPaused);
        Assert.False(pausedBefore);
        received.ForEach(h.Complete);
        await Until(() => !h.Loop.IsPaused && !h.Consumer.IsPaused(P0) && !h.Consumer.IsPaused(P1), "the resume");
    }

    [Fact]
    public async Task A_burst_of_ready_records_stops_at_the_full_budget()
    {
        await using var h = new PollLoopHarness(budgetRecords: 2);
        long? polledAtPause = null;
        h.Consumer.Paused = () => polledAtPause ??= h.Metrics.Polled;
        h.Consumer.ScriptAssign(P0);
        for (var offset = 0; offset < 4; offset++)
        {
            h.Consumer.ScriptRecord(P0, offset, $"e{offset}");
        }

        h.Start();

        await Until(() => polledAtPause is not null, "the pause");
        // All four are ready at once; the burst must not take more than the budget holds (the hold queue's limit of 4
        // would have let it take them all).
        Assert.Equal(2, polledAtPause);
    }

    [Fact]
    public async Task Records_decode_cannot_take_yet_are_held_and_handed_over_in_order()
    {
        var decode = new BufferBlock<RecordChunk>(new DataflowBlockOptions { BoundedCapacity = 1 });
        await using var h = new PollLoopHarness(decode: decode);
        h.Consumer.ScriptAssign(P0, P1);
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Consumer.ScriptRecord(P1, 0, "x0");
        h.Consumer.ScriptRecord(P0, 1, "e1");
        h.Consumer.ScriptRecord(P0, 2, "e2");
        h.Start();

        var received = new List<string>();
        while (received.Count < 4)
        {
            var chunk = await decode.ReceiveAsync(TimeSpan.FromSeconds(30));
            Assert.All(PollLoopHarness.Records(chunk), r => Assert.Equal(chunk.Partition, r.Partition));
            received.AddRange(PollLoopHarness.Records(chunk).Select(Text));
        }

        Assert.Equal(["e0", "x0", "e1", "e2"], received);
    }

    [Fact]
    public async Task The_consumers_own_log_lines_reach_the_log_without_secrets_and_a_condition_is_logged_once()
    {
        var logger = new Microsoft.Extensions.Logging.Testing.FakeLogger();
        await using var h = new PollLoopHarness(logger: logger);
        h.Consumer.ScriptAssign(P0);
        h.Consumer.Script(c =>
        {
            c.Callbacks.OnLog(c, new LogMessage("rdkafka#consumer-1", SyslogLevel.Warning, "CONFWARN", "sasl.password=hunter2 is set"));
            return null;
        });
        h.Consumer.ScriptError(ErrorCode.TopicAuthorizationFailed, new TopicPartitionOffset(P0, 0));
        h.Consumer.ScriptError(ErrorCode.TopicAuthorizationFailed, new TopicPartitionOffset(P0, 0));
        h.Consumer.ScriptError(ErrorCode.TopicAuthorizationFailed, new TopicPartitionOffset(P0, 0));
        h.Start();

        await Until(() => h.Consumer.ScriptDone && h.Metrics.KafkaConditions == 3, "the log line and three reports");
        var messages = logger.Collector.GetSnapshot().Select(r => r.Message).ToList();
        Assert.Contains(messages, m => m.Contains("CONFWARN", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Contains("hunter2", StringComparison.Ordinal));
        Assert.Single(messages, m => m.StartsWith("Kafka condition TopicAuthorizationFailed on events[0]:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_healthy_loop_reports_no_condition_and_no_pause()
    {
        await using var h = new PollLoopHarness();
        h.Consumer.ScriptAssign(P0);
        h.Consumer.ScriptRecord(P0, 0, "e0");
        h.Start();

        await Until(() => h.Received().Count == 1 && h.Loop.Assignment.Count == 1, "the event");
        Assert.Equal(0, h.Loop.KafkaConditions);
        Assert.False(h.Loop.IsPaused);
        Assert.Equal(0, h.Metrics.KafkaConditions);
    }
}
