using StreamHeal.TestSupport;
using Grpc.Core;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>The production BigQuery sink against the fake: delivery modes, row errors, splitting, throttling, broken and lost streams.</summary>
[Collection(KafkaCollection.Name)]
public sealed class BigQuerySinkTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.Factory(output, LogLevel.Information);

    [Theory]
    [InlineData(BigQuerySinkOptions.AtLeastOnce)]
    [InlineData(BigQuerySinkOptions.ExactlyOnce)]
    public async Task Every_row_lands_once_with_its_values_and_kafka_position(string delivery)
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, delivery);
        await using var sink = await scope.OpenAsync();
        var batch = new SinkBatch(BigQuerySinkScope.Table, BigQuerySinkScope.Table, BigQueryTestRows.Columns,
            [.. Enumerable.Range(0, 300).Select(i => BigQuerySinkScope.Row(i % 3, i / 3))]);

        var result = await sink.WriteAsync(batch, CancellationToken.None);

        Assert.All(Enumerable.Range(0, 300), i => Assert.Equal(RowOutcome.Written, result[i]));
        var counts = scope.Counts();
        for (var p = 0; p < 3; p++)
        {
            BigQuerySinkScope.AssertEachOnce(counts, p, 0, 100);
        }

        var row = scope.Fake.Store.RowsOf(scope.TablePath).Single(r => Convert.ToInt64(r[ReservedColumns.KafkaPartition]) == 2 && Convert.ToInt64(r[ReservedColumns.KafkaOffset]) == 7);
        Assert.Equal("row7", row["name"]);
        Assert.Equal(70L, Convert.ToInt64(row["n"]));
        var streams = scope.Fake.Store.RowRecordsOf(scope.TablePath).Select(r => r.Stream).Distinct().ToList();
        if (delivery == BigQuerySinkOptions.ExactlyOnce)
        {
            Assert.Equal(3, streams.Count); // one COMMITTED stream per partition
            Assert.DoesNotContain(streams, s => s.EndsWith("/_default", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal([scope.TablePath + "/streams/_default"], streams);
        }
    }

    [Theory]
    [InlineData(BigQuerySinkOptions.AtLeastOnce)]
    [InlineData(BigQuerySinkOptions.ExactlyOnce)]
    public async Task Row_errors_reject_exactly_the_named_rows_and_the_rest_are_written_once(string delivery)
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, delivery);
        scope.Fake.Store.RowRule = row => Convert.ToInt64(row[ReservedColumns.KafkaOffset]) % 7 == 3 ? "value out of range for this test" : null;
        await using var sink = await scope.OpenAsync();

        var result = await sink.WriteAsync(BigQuerySinkScope.Batch(0, 200), CancellationToken.None);

        var counts = scope.Counts();
        for (var offset = 0; offset < 200; offset++)
        {
            if (offset % 7 == 3)
            {
                Assert.Equal(RowOutcome.Rejected, result[offset]);
                Assert.Contains("value out of range for this test", result.ErrorFor(offset), StringComparison.Ordinal);
                Assert.False(counts.ContainsKey((0, offset)));
            }
            else
            {
                Assert.Equal(RowOutcome.Written, result[offset]);
                Assert.Equal(1, counts[(0, offset)]);
            }
        }

        Assert.Equal(29, sink.Stats.RowErrors);
    }

    [Fact]
    public async Task A_whole_request_refused_without_row_errors_is_bisected_down_to_the_bad_row()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.AtLeastOnce);
        scope.Fake.Store.RequestRule = rows => rows.Any(r => Convert.ToInt64(r[ReservedColumns.KafkaOffset]) == 77) ? "Request contains an invalid value." : null;
        await using var sink = await scope.OpenAsync();

        var result = await sink.WriteAsync(BigQuerySinkScope.Batch(0, 100), CancellationToken.None);

        Assert.Equal(RowOutcome.Rejected, result[77]);
        Assert.Contains("Request contains an invalid value.", result.ErrorFor(77), StringComparison.Ordinal);
        var counts = scope.Counts();
        Assert.Equal(99, counts.Count);
        Assert.All(counts.Values, n => Assert.Equal(1, n));
        Assert.InRange(sink.Stats.Bisections, 6, 7); // log2(100) splits to isolate one row
    }

    [Fact]
    public async Task Rows_worth_25_MB_in_one_flush_are_split_into_requests_under_the_limit()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.ExactlyOnce);
        await using var sink = await scope.OpenAsync();
        var batch = BigQuerySinkScope.Batch(0, 500, pad: 50_000); // ~25 MB

        var result = await sink.WriteAsync(batch, CancellationToken.None);

        Assert.All(Enumerable.Range(0, 500), i => Assert.Equal(RowOutcome.Written, result[i]));
        BigQuerySinkScope.AssertEachOnce(scope.Counts(), 0, 0, 500);
        var appends = scope.Fake.Appends.Appends.Where(a => a.RowCount > 0).ToList();
        output.WriteLine($"requests: {string.Join(", ", appends.Select(a => $"{a.RowCount} rows/{a.Bytes} B"))}");
        Assert.InRange(appends.Count, 3, 4);
        Assert.All(appends, a => Assert.True(a.Bytes <= BigQueryWriteOptions.DefaultMaxRequestBytes, $"{a.Bytes} bytes"));
        Assert.Equal(500, appends.Sum(a => a.RowCount));
    }

    [Fact]
    public async Task A_resource_exhausted_storm_halves_concurrency_and_loses_nothing()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.AtLeastOnce, o => o.MaxInFlightAppends = 16);
        await using var sink = await scope.OpenAsync();
        await sink.WriteAsync(BigQuerySinkScope.Batch(0, 10), CancellationToken.None);
        scope.Fake.Faults.FailNext(StatusCode.ResourceExhausted, 10);

        var result = await BigQuerySinkScope.WriteUntilDoneAsync(sink, BigQuerySinkScope.Batch(10, 500));

        Assert.All(Enumerable.Range(0, 500), i => Assert.Equal(RowOutcome.Written, result[i]));
        BigQuerySinkScope.AssertEachOnce(scope.Counts(), 0, 0, 510);
        Assert.Equal(10, sink.Stats.Throttles);
        // 16 halved ten times is floored at 1; the one success that ended the storm adds 1/limit.
        Assert.Equal(2, sink.Stats.ConcurrencyLimit);
        Assert.Contains("throttled=10", sink.StatusLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replay_after_a_crash_finds_the_stream_end_and_writes_only_the_missing_rows()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.ExactlyOnce);
        string stream;
        await using (var first = await scope.OpenAsync())
        {
            await first.WriteAsync(BigQuerySinkScope.Batch(0, 100), CancellationToken.None);
            stream = scope.Fake.Store.RowRecordsOf(scope.TablePath).Select(r => r.Stream).Distinct().Single();

            // The process appended the next 37 rows, then died before its checkpoint.
            var writer = await scope.Fake.AppendAsRawWriterAsync(stream, BigQuerySinkScope.Batch(100, 37), offset: 100);
            Assert.Equal(StatusCode.OK, writer);
        }

        await using var restarted = await scope.OpenAsync();
        var result = await restarted.WriteAsync(BigQuerySinkScope.Batch(100, 100), CancellationToken.None);

        Assert.All(Enumerable.Range(0, 37), i => Assert.Equal(RowOutcome.AlreadyWritten, result[i]));
        Assert.All(Enumerable.Range(37, 63), i => Assert.Equal(RowOutcome.Written, result[i]));
        BigQuerySinkScope.AssertEachOnce(scope.Counts(), 0, 0, 200);
        Assert.Equal(1, restarted.Stats.SuffixSearches);
        Assert.Equal([stream], scope.Fake.Store.RowRecordsOf(scope.TablePath).Select(r => r.Stream).Distinct());

        // And a replay of rows below the checkpoint is skipped without a single append.
        var appends = scope.Fake.Appends.Appends.Count;
        var again = await restarted.WriteAsync(BigQuerySinkScope.Batch(150, 50), CancellationToken.None);
        Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(RowOutcome.AlreadyWritten, again[i]));
        Assert.Equal(appends, scope.Fake.Appends.Appends.Count);
    }

    [Fact]
    public async Task Rows_refused_before_a_crash_are_refused_again_on_replay_and_the_good_rows_stay_aligned()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.ExactlyOnce);
        scope.Fake.Store.RowRule = row => Convert.ToInt64(row[ReservedColumns.KafkaOffset]) == 5 ? "bad row" : null;
        await using (var first = await scope.OpenAsync())
        {
            await first.WriteAsync(BigQuerySinkScope.Batch(0, 20), CancellationToken.None);
        }

        // A restarted writer is handed the same records again (its offsets were never committed).
        await using var restarted = await scope.OpenAsync();
        var result = await restarted.WriteAsync(BigQuerySinkScope.Batch(0, 30), CancellationToken.None);

        Assert.Equal(RowOutcome.Rejected, result[5]);
        Assert.All(Enumerable.Range(0, 20).Where(i => i != 5), i => Assert.Equal(RowOutcome.AlreadyWritten, result[i]));
        Assert.All(Enumerable.Range(20, 10), i => Assert.Equal(RowOutcome.Written, result[i]));
        var counts = scope.Counts();
        Assert.Equal(29, counts.Count);
        Assert.All(counts.Values, n => Assert.Equal(1, n));
    }

    // Regression: the checkpoint kept only the last 1,000 refused offsets, so a replay reported the oldest refused rows
    // as written, with no row and possibly no dead letter (their DLQ sends had not been acknowledged before the crash).
    [Fact]
    public async Task More_than_a_thousand_refused_rows_in_a_partition_are_all_refused_again_on_replay()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.ExactlyOnce);
        scope.Fake.Store.RowRule = row => Convert.ToInt64(row[ReservedColumns.KafkaOffset]) % 2 == 0 ? "bad row" : null;
        await using (var first = await scope.OpenAsync())
        {
            var result = await first.WriteAsync(BigQuerySinkScope.Batch(0, 2_400), CancellationToken.None);
            Assert.Equal(1_200, Enumerable.Range(0, 2_400).Count(i => result[i] == RowOutcome.Rejected));
        }

        // Nothing was done (no DoneBelow): the restarted writer gets every record again.
        await using var restarted = await scope.OpenAsync();
        var replay = await restarted.WriteAsync(BigQuerySinkScope.Batch(0, 2_400), CancellationToken.None);

        Assert.All(Enumerable.Range(0, 2_400), i => Assert.Equal(i % 2 == 0 ? RowOutcome.Rejected : RowOutcome.AlreadyWritten, replay[i]));
        Assert.Equal(1_200, scope.Counts().Count);
    }

    [Fact]
    public async Task Refused_offsets_are_forgotten_once_their_records_are_done_and_a_partition_waits_when_too_many_are_pending()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.ExactlyOnce);
        scope.Fake.Store.RowRule = row => Convert.ToInt64(row[ReservedColumns.KafkaOffset]) is var offset && offset % 2 == 0 && offset < 20_004 ? "bad row" : null;
        await using (var first = await scope.OpenAsync())
        {
            // 10,002 refused offsets pending: the next batch of the partition must wait, and nothing of it is sent.
            await first.WriteAsync(BigQuerySinkScope.Batch(0, 20_004), CancellationToken.None);
            var appends = scope.Fake.Appends.Appends.Count;
            var next = BigQuerySinkScope.Batch(20_005, 10);
            var wait = await Assert.ThrowsAsync<SinkUnavailableException>(() => first.WriteAsync(next, CancellationToken.None).AsTask());
            Assert.Contains("wait for the DLQ", wait.Message, StringComparison.Ordinal);
            Assert.Equal(appends, scope.Fake.Appends.Appends.Count);

            // A later try learns that every record below 20,004 is done (their dead letters acknowledged): it goes through.
            var written = await first.WriteAsync(next with { Attempt = 1, DoneBelow = static p => p == 0 ? 20_004 : null }, CancellationToken.None);
            Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(RowOutcome.Written, written[i]));
        }

        // The checkpoint forgot them: a replay of done records reports them written, and another partition never waited.
        await using var restarted = await scope.OpenAsync();
        var replay = await restarted.WriteAsync(BigQuerySinkScope.Batch(0, 10) with { DoneBelow = static _ => 0 }, CancellationToken.None);
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(RowOutcome.AlreadyWritten, replay[i]));
        var other = await restarted.WriteAsync(BigQuerySinkScope.Batch(1, 10, partition: 1), CancellationToken.None);
        Assert.Equal(5, Enumerable.Range(0, 10).Count(i => other[i] == RowOutcome.Written));
    }

    [Fact]
    public async Task A_broken_connection_mid_batch_resends_from_the_stream_end_without_duplicates()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.ExactlyOnce, o => o.MaxRequestBytes = 64 * 1024);
        await using var sink = await scope.OpenAsync();
        scope.Fake.Faults.BreakConnectionAfter(3);

        var result = await BigQuerySinkScope.WriteUntilDoneAsync(sink, BigQuerySinkScope.Batch(0, 400, pad: 1_000)); // ~7 requests

        Assert.All(Enumerable.Range(0, 400), i => Assert.True(result[i] is RowOutcome.Written or RowOutcome.AlreadyWritten));
        BigQuerySinkScope.AssertEachOnce(scope.Counts(), 0, 0, 400);
        Assert.True(sink.Stats.Reconnects >= 1);
    }

    [Fact]
    public async Task A_dropped_stream_is_a_counted_loss_of_the_guarantee_and_a_new_stream_takes_the_rows()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.ExactlyOnce);
        await using var sink = await scope.OpenAsync();
        await sink.WriteAsync(BigQuerySinkScope.Batch(0, 100), CancellationToken.None);
        var stream = scope.Fake.Store.RowRecordsOf(scope.TablePath).Select(r => r.Stream).Distinct().Single();
        scope.Fake.Store.DropStream(stream);

        var result = await BigQuerySinkScope.WriteUntilDoneAsync(sink, BigQuerySinkScope.Batch(100, 100));

        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(RowOutcome.Written, result[i]));
        BigQuerySinkScope.AssertEachOnce(scope.Counts(), 0, 0, 200);
        Assert.Equal(1, sink.Stats.GuaranteeLosses);
        Assert.Contains("EXACTLY-ONCE-LOST=1", sink.StatusLine, StringComparison.Ordinal);
        Assert.Equal(2, scope.Fake.Store.RowRecordsOf(scope.TablePath).Select(r => r.Stream).Distinct().Count());
    }

    [Fact]
    public async Task A_finalized_stream_continues_on_a_new_stream()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.ExactlyOnce);
        await using var sink = await scope.OpenAsync();
        await sink.WriteAsync(BigQuerySinkScope.Batch(0, 50), CancellationToken.None);
        var stream = scope.Fake.Store.RowRecordsOf(scope.TablePath).Select(r => r.Stream).Distinct().Single();
        scope.Fake.Store.Finalize(stream);

        var result = await sink.WriteAsync(BigQuerySinkScope.Batch(50, 50), CancellationToken.None);

        Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(RowOutcome.Written, result[i]));
        BigQuerySinkScope.AssertEachOnce(scope.Counts(), 0, 0, 100);
        Assert.Equal(0, sink.Stats.GuaranteeLosses);
    }

    [Fact]
    public async Task Batches_of_one_table_written_at_once_with_old_and_new_columns_all_land_once_with_their_values()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.AtLeastOnce, o => o.BatchesInFlightPerTable = 4);
        await using var sink = await scope.OpenAsync();
        Assert.Equal(4, sink.BatchesInFlightPerTable);
        await BigQuerySinkScope.WriteUntilDoneAsync(sink, BigQuerySinkScope.Batch(0, 100));
        await sink.EnsureTableAsync(BigQuerySinkScope.Table, BigQueryTestRows.WideColumns, CancellationToken.None);
        scope.Fake.Faults.AppendLatency = TimeSpan.FromMilliseconds(100);

        // The wide batch waits for its column to become visible while the narrow ones around it go out; once it has,
        // the narrow ones written after it share the wider connection, their rows a prefix of its schema.
        var narrowBefore = BigQuerySinkScope.Batch(100, 100);
        var wide = new SinkBatch(BigQuerySinkScope.Table, BigQuerySinkScope.Table, BigQueryTestRows.WideColumns, [.. Enumerable.Range(200, 100).Select(static offset => ColoredRow(offset))]);
        var narrowAfter = BigQuerySinkScope.Batch(300, 100);
        var writes = new[] { narrowBefore, wide, narrowAfter }.Select(batch => BigQuerySinkScope.WriteUntilDoneAsync(sink, batch)).ToList();
        var laterNarrow = new List<Task<SinkBatchResult>>();
        await Eventually.Until(() => writes[1].IsCompleted, TimeSpan.FromSeconds(60), "the wide batch written");
        for (var first = 400; first < 800; first += 100)
        {
            laterNarrow.Add(BigQuerySinkScope.WriteUntilDoneAsync(sink, BigQuerySinkScope.Batch(first, 100)));
        }

        foreach (var result in await Task.WhenAll([.. writes, .. laterNarrow]))
        {
            Assert.All(Enumerable.Range(0, result.Count), i => Assert.Equal(RowOutcome.Written, result[i]));
        }

        BigQuerySinkScope.AssertEachOnce(scope.Counts(), 0, 0, 800);
        var rows = scope.Fake.Store.RowsOf(scope.TablePath).ToDictionary(r => Convert.ToInt64(r[ReservedColumns.KafkaOffset]));
        Assert.All(Enumerable.Range(0, 800), offset => Assert.Equal($"row{offset}", rows[offset]["name"]));
        Assert.All(Enumerable.Range(200, 100), offset => Assert.Equal($"c{offset}", rows[offset]["color"]));
        Assert.All(Enumerable.Range(0, 800).Where(static o => o is < 200 or >= 300), offset => Assert.Null(rows[offset].GetValueOrDefault("color")));
    }

    private static SinkRow ColoredRow(long offset)
    {
        var row = BigQuerySinkScope.Row(0, offset);
        row.Row.Add("color", FieldValue.FromString($"c{offset}"));
        return row;
    }

    // Two batches of a table in flight when BigQuery refuses it: the refusal ends the connection, and both batches
    // get it. The table is stopped, held and counted once, not once per batch.
    [Fact]
    public async Task Batches_in_flight_when_the_table_is_refused_stop_it_and_count_it_once()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.AtLeastOnce);
        await using var sink = await scope.OpenAsync();
        Assert.Equal(2, sink.BatchesInFlightPerTable);
        await BigQuerySinkScope.WriteUntilDoneAsync(sink, BigQuerySinkScope.Batch(0, 10));
        Assert.Equal(0, sink.Stats.StoppedTables);
        // The fake holds the first append while the second goes out on the same connection, then refuses the first.
        scope.Fake.Faults.AppendLatency = TimeSpan.FromSeconds(2);
        scope.Fake.Faults.FailNext(StatusCode.NotFound, 1);
        using var cancel = new CancellationTokenSource();

        var writes = new[] { BigQuerySinkScope.Batch(10, 10), BigQuerySinkScope.Batch(20, 10) }.Select(batch => sink.WriteAsync(batch, cancel.Token).AsTask()).ToArray();
        await Eventually.Until(() => sink.Stats.AppendsInFlight == 2, TimeSpan.FromSeconds(10), "both batches' appends on the connection");
        await Eventually.Until(() => sink.Stats.AppendsInFlight == 0 && scope.Holds.IsHeld(BigQuerySinkScope.Table), TimeSpan.FromSeconds(30), "both appends refused and the table held");

        Assert.All(writes, static write => Assert.False(write.IsCompleted)); // held, not completed: nothing commits past them
        await cancel.CancelAsync();
        foreach (var write in writes)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
        }

        // Cancelled or not, a batch that got the refusal passes through the stop before it ends.
        Assert.Equal(1, sink.Stats.StoppedTables);
        Assert.Equal(10, scope.Counts().Count); // the first batch's rows only
        BigQuerySinkScope.AssertEachOnce(scope.Counts(), 0, 0, 10);
    }

    [Fact]
    public async Task A_missing_table_with_auto_create_off_stops_only_that_table_with_an_actionable_error()
    {
        await using var scope = await BigQuerySinkScope.StartAsync(kafka, _loggers, BigQuerySinkOptions.AtLeastOnce, o => o.AutoCreateTables = false);
        await using var sink = await BigQuerySinkFactory.CreateAsync(scope.Options, scope.Kafka, scope.Holds, TimeProvider.System, scope.Loggers, CancellationToken.None);
        await sink.EnsureTableAsync(BigQuerySinkScope.Table, BigQueryTestRows.Columns, CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var writing = sink.WriteAsync(BigQuerySinkScope.Batch(0, 10), cancel.Token).AsTask();
        await Eventually.Until(() => scope.Holds.IsHeld(BigQuerySinkScope.Table), TimeSpan.FromSeconds(10), "the table's topic held");

        Assert.False(writing.IsCompleted); // held, not completed: nothing is committed past it
        Assert.Equal(1, sink.Stats.StoppedTables);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writing);
        Assert.Empty(scope.Counts());
    }
}
