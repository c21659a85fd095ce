using StreamHeal.TestSupport;
using System.Text;
using Confluent.Kafka;
using Grpc.Core;
using StreamHeal.DeadLetter;
using StreamHeal.Dev.Demo;
using StreamHeal.Dev.BigQuery;
using StreamHeal.Hosting;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Observability;
using StreamHeal.IntegrationTests.Pipeline;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Batch;
using StreamHeal.Kafka;
using StreamHeal.Pipeline;
using StreamHeal.Sink.BigQuery;
using Xunit;
using Xunit.Abstractions;
using StreamHeal.Flow;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>The whole pipeline from the mock Kafka cluster into the fake BigQuery through the production sink.</summary>
[Collection(KafkaCollection.Name)]
public sealed class BigQueryPipelineTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    [Fact]
    public async Task Rows_bigquery_refuses_reach_the_dlq_with_its_message_and_everything_else_lands_exactly_once()
    {
        await using var scenario = new PipelineScenario(kafka, output, "bq-rowerr", partitions: 8);
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Store.RowRule = row => Convert.ToInt64(row[ReservedColumns.KafkaOffset]) % 500 == 7 ? "Field user_id: value too long for this test." : null;
        var produced = await scenario.ProduceAsync(20_000, seed: 21);
        var holds = new TopicHolds();
        await using (var sink = await OpenSinkAsync(scenario, fake, scenario.Settings().Kafka, holds, BigQuerySinkOptions.ExactlyOnce))
        {
            var (pipeline, running, stop) = scenario.Start(sink, holds: holds);
            await PipelineScenario.WaitForDoneAsync(produced.Length, TimeSpan.FromMinutes(2), pipeline);
            await stop.CancelAsync();
            await running;
            await pipeline.DisposeAsync();
        }

        var verdict = await VerifyAsync(scenario, fake, produced);
        var dlq = DeadLetterReader.ReadAll(scenario.BootstrapServers, scenario.Topic + ".dlq", TimeSpan.FromSeconds(60));
        var refused = dlq.Where(d => d.ErrorType == "sink_rejected").ToList();
        var expected = produced.Where(p => p.Offset % 500 == 7).ToHashSet();
        // Poison at an offset ending in 7 never reaches the sink; every other one must be there, with BigQuery's words.
        Assert.All(refused, d => Assert.Contains("value too long for this test", d.ErrorMessage, StringComparison.Ordinal));
        Assert.All(refused, d => Assert.Contains((d.OriginalPartition, d.OriginalOffset), expected));
        Assert.InRange(refused.Count, expected.Count - 5, expected.Count);
        PipelineScenario.AssertOk(verdict);
    }

    [Fact]
    public async Task A_slow_bigquery_keeps_in_flight_only_what_the_stages_hold_not_the_backlog_and_loses_nothing()
    {
        await using var scenario = new PipelineScenario(kafka, output, "bq-slow", partitions: 4);
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Faults.AppendLatency = TimeSpan.FromMilliseconds(250);
        var produced = await scenario.ProduceAsync(40_000, seed: 25);
        var settings = scenario.Settings() with
        {
            Pipeline = new PipelineOptions { DrainTimeout = TimeSpan.FromSeconds(20), RevokeDrainTimeout = TimeSpan.FromSeconds(3), StageCapacity = 128 },
            Batch = new BatchOptions { MaxRows = 1_000, Linger = TimeSpan.FromMilliseconds(100) },
        };
        var holds = new TopicHolds();
        var mostInFlight = 0L;
        await using (var sink = await OpenSinkAsync(scenario, fake, settings.Kafka, holds, BigQuerySinkOptions.AtLeastOnce))
        {
            var (pipeline, running, stop) = scenario.Start(sink, settings, holds: holds);
            await using var sampler = new PeakSampler(() => pipeline.Status.InFlightRecords, TimeSpan.FromMilliseconds(10));
            await PipelineScenario.WaitForDoneAsync(produced.Length, TimeSpan.FromMinutes(2), pipeline);
            mostInFlight = await sampler.StopAsync();
            await stop.CancelAsync();
            await running;
            await pipeline.DisposeAsync();
        }

        // The sink takes ~4,000 rows a second here and the poll loop far more, so without a bound in front of the sink the
        // backlog moves into memory, up to the in-flight budget, which 40,000 of these events do not reach (36,799 were
        // in flight with unbounded lanes). Bounded, what is in flight is what the stages hold, about 10,400 at most: 4
        // chunks of up to 256 records in each of decode, flatten, compat-filter and batch (4,096), 128 held by the poll
        // loop, 128 in the DLQ stage, and the sink's batches of 1,000: being built, full and waiting for the batch
        // stage's output, in that output, in the router and being written, two at once at-least-once (6,000).
        // 6,100–8,100 were measured on 2 cores.
        output.WriteLine($"most records in flight: {mostInFlight:N0} of {produced.Length:N0}");
        Assert.InRange(mostInFlight, 1, 12_000);
        PipelineScenario.AssertOk(await VerifyAsync(scenario, fake, produced));
    }

    [Fact]
    public async Task A_resource_exhausted_storm_mid_stream_loses_nothing_and_shows_as_throttling()
    {
        await using var scenario = new PipelineScenario(kafka, output, "bq-storm", partitions: 8);
        await using var fake = await FakeBigQuery.StartAsync();
        var produced = await scenario.ProduceAsync(30_000, seed: 22);
        var holds = new TopicHolds();
        await using (var sink = await OpenSinkAsync(scenario, fake, scenario.Settings().Kafka, holds, BigQuerySinkOptions.AtLeastOnce))
        {
            var (pipeline, running, stop) = scenario.Start(sink, holds: holds);
            await Eventually.Until(() => pipeline.Metrics.Sunk > 5_000, TimeSpan.FromSeconds(60), "5,000 rows sunk");
            fake.Faults.FailNext(StatusCode.ResourceExhausted, 30);
            await PipelineScenario.WaitForDoneAsync(produced.Length, TimeSpan.FromMinutes(2), pipeline);
            output.WriteLine(sink.StatusLine);
            Assert.Equal(30, sink.Stats.Throttles);

            // /metrics shows the sink's figures per table: every BigQuery metric README lists, and the throttles counted.
            await using (var endpoint = await HealthEndpoint.StartAsync(new HealthOptions(), () => pipeline.Status, scenario.Loggers, port: 0))
            {
                var scrape = await MetricsScrape.GetAsync(endpoint);
                var bigQueryMetrics = MetricsScrape.ReadmeMetrics().Where(m => m.Value.When == "with `sink.type` bigquery").Select(m => m.Key).ToList();
                Assert.NotEmpty(bigQueryMetrics);
                Assert.All(bigQueryMetrics, name => Assert.Contains(name, MetricsScrape.Families(scrape).Keys));
                var table = $"table=\"{scenario.Table}\"";
                Assert.Equal(30, MetricsScrape.Sum(scrape, "streamheal_sink_throttled_total", table));
                Assert.Equal(30, MetricsScrape.Sum(scrape, "streamheal_sink_appends_total", table, "outcome=\"throttled\""));
            }

            Assert.True(pipeline.Metrics.SinkRetries > 0, "the stage retried the batch in place");
            await stop.CancelAsync();
            await running;
            await pipeline.DisposeAsync();
        }

        PipelineScenario.AssertOk(await VerifyAsync(scenario, fake, produced));
    }

    [Fact]
    public async Task At_least_once_pipelines_a_tables_batches_on_one_connection_and_every_row_lands_once()
    {
        await using var scenario = new PipelineScenario(kafka, output, "bq-pipelined", partitions: 4);
        await using var fake = await SlowAnswersAsync();
        var produced = await scenario.ProduceAsync(20_000, seed: 26);
        var settings = SmallBatches(scenario);
        var holds = new TopicHolds();
        var mostInFlight = 0L;
        await using (var sink = await OpenSinkAsync(scenario, fake, settings.Kafka, holds, BigQuerySinkOptions.AtLeastOnce, o => o.BatchesInFlightPerTable = 3))
        {
            Assert.Equal(3, sink.BatchesInFlightPerTable);
            var (pipeline, running, stop) = scenario.Start(sink, settings, holds: holds);
            await using var sampler = new PeakSampler(() => sink.Stats.AppendsInFlight, TimeSpan.FromMilliseconds(5));
            await PipelineScenario.WaitForDoneAsync(produced.Length, TimeSpan.FromMinutes(2), pipeline);
            mostInFlight = await sampler.StopAsync();
            output.WriteLine($"{sink.StatusLine}; most appends in flight: {mostInFlight}");
            Assert.Equal(0, sink.Stats.AppendsInFlight);
            Assert.Equal(0, sink.Stats.Reconnects);
            await stop.CancelAsync();
            await running;
            await pipeline.DisposeAsync();
        }

        // One table, three batches at once: three appends in flight on its _default connection, never more. The
        // connection was replaced only to widen its writer schema (the corpus brings new fields), never for a fault.
        Assert.Equal(3L, mostInFlight);
        var appends = fake.Appends.Appends;
        var connections = appends.Select(a => a.Connection).Distinct().Count();
        output.WriteLine($"{appends.Count} appends over {connections} connections");
        Assert.True(appends.Count >= 40, $"{appends.Count} appends");
        Assert.InRange(connections, 1, appends.Count / 4);
        Assert.All(appends, a => Assert.Equal(StatusCode.OK, a.Status));
        PipelineScenario.AssertOk(await VerifyAsync(scenario, fake, produced));
    }

    [Fact]
    public async Task Connections_broken_with_several_appends_in_flight_lose_no_row_and_count_one_reconnect_each()
    {
        await using var scenario = new PipelineScenario(kafka, output, "bq-pipebreak", partitions: 4);
        await using var fake = await SlowAnswersAsync();
        var produced = await scenario.ProduceAsync(20_000, seed: 27);
        var settings = SmallBatches(scenario);
        var holds = new TopicHolds();
        await using (var sink = await OpenSinkAsync(scenario, fake, settings.Kafka, holds, BigQuerySinkOptions.AtLeastOnce, o => o.BatchesInFlightPerTable = 4))
        {
            var (pipeline, running, stop) = scenario.Start(sink, settings, holds: holds);
            for (var i = 1; i <= 2; i++)
            {
                var sunk = 3_000 * i;
                await Eventually.Until(() => pipeline.Metrics.Sunk > sunk && sink.Stats.AppendsInFlight >= 3, TimeSpan.FromSeconds(60), $"three appends in flight after {sunk:N0} rows");
                fake.Faults.BreakConnections();
                await Eventually.Until(() => sink.Stats.Reconnects == i, TimeSpan.FromSeconds(60), $"reconnect {i} counted");
            }

            await PipelineScenario.WaitForDoneAsync(produced.Length, TimeSpan.FromMinutes(2), pipeline);
            output.WriteLine(sink.StatusLine);
            // Each break took several appends down with it and counts once; every batch they carried was retried.
            Assert.Equal(2, sink.Stats.Reconnects);
            Assert.True(pipeline.Metrics.SinkRetries >= 2 * 3, $"{pipeline.Metrics.SinkRetries} batch retries");
            Assert.Equal(0, sink.Stats.Throttles);
            await stop.CancelAsync();
            await running;
            await pipeline.DisposeAsync();
        }

        // At-least-once: an append the break left unanswered may be in the table and sent again, so a copy is allowed;
        // a missing row is not.
        AssertNoneMissing(await VerifyAsync(scenario, fake, produced));
    }

    [Fact]
    public async Task A_single_broken_append_is_retried_by_the_pipeline_retry_and_nothing_is_dropped()
    {
        await using var scenario = new PipelineScenario(kafka, output, "bq-onefail", partitions: 4);
        await using var fake = await FakeBigQuery.StartAsync();
        var produced = await scenario.ProduceAsync(10_000, seed: 24);
        var holds = new TopicHolds();
        await using (var sink = await OpenSinkAsync(scenario, fake, scenario.Settings().Kafka, holds, BigQuerySinkOptions.ExactlyOnce))
        {
            var (pipeline, running, stop) = scenario.Start(sink, holds: holds);
            await Eventually.Until(() => pipeline.Metrics.Sunk > 1_000, TimeSpan.FromSeconds(60), "1,000 rows sunk");
            // The next append only: a scripted status would hit whichever call comes next, a stream's creation or
            // lookup included, and only a broken append is a reconnect.
            fake.Faults.BreakConnectionAfter(0);
            await PipelineScenario.WaitForDoneAsync(produced.Length, TimeSpan.FromMinutes(2), pipeline);
            output.WriteLine(sink.StatusLine);
            // One retry layer: the sink does not retry on its own, the stage's retry takes the batch again once.
            Assert.Equal(1, pipeline.Metrics.SinkRetries);
            Assert.Equal(1, sink.Stats.Reconnects);
            await stop.CancelAsync();
            await running;
            await pipeline.DisposeAsync();
        }

        PipelineScenario.AssertOk(await VerifyAsync(scenario, fake, produced));
    }

    [Fact]
    public async Task Streams_dropped_while_appends_are_in_flight_lose_nothing_and_the_loss_of_the_guarantee_is_counted()
    {
        await using var scenario = new PipelineScenario(kafka, output, "bq-drop", partitions: 4);
        await using var fake = await FakeBigQuery.StartAsync();
        fake.Faults.AppendLatency = TimeSpan.FromMilliseconds(100);
        var produced = await scenario.ProduceAsync(20_000, seed: 23);
        var holds = new TopicHolds();
        var tablePath = TablePath(fake, scenario.Table);
        await using (var sink = await OpenSinkAsync(scenario, fake, scenario.Settings().Kafka, holds, BigQuerySinkOptions.ExactlyOnce))
        {
            var (pipeline, running, stop) = scenario.Start(sink, holds: holds);
            await Eventually.Until(() => fake.Appends.InFlight > 0 && pipeline.Metrics.Sunk > 3_000, TimeSpan.FromSeconds(60), "appends in flight after 3,000 rows");
            var streams = fake.Store.RowRecordsOf(tablePath).Select(r => r.Stream).Distinct().ToList();
            foreach (var stream in streams)
            {
                fake.Store.DropStream(stream);
            }

            await PipelineScenario.WaitForDoneAsync(produced.Length, TimeSpan.FromMinutes(2), pipeline);
            output.WriteLine(sink.StatusLine);
            Assert.Equal(streams.Count, sink.Stats.GuaranteeLosses);
            await stop.CancelAsync();
            await running;
            await pipeline.DisposeAsync();
        }

        // The dropped streams' rows stay in the table (they were committed); what follows went to new streams.
        AssertNoneMissing(await VerifyAsync(scenario, fake, produced));
        Assert.True(fake.Store.RowRecordsOf(tablePath).Select(r => r.Stream).Distinct().Count() > 4);
    }

    [Fact]
    public async Task A_new_field_is_added_by_patch_no_row_carries_it_before_the_stream_sees_it_and_other_tables_keep_flowing()
    {
        await using var held = new PipelineScenario(kafka, output, "bq-newfield", partitions: 4);
        await using var other = new PipelineScenario(kafka, output, "bq-other", partitions: 4);
        await using var fake = await FakeBigQuery.StartAsync(new FakeBigQueryOptions { SchemaPropagationDelay = TimeSpan.FromSeconds(4) });
        var settings = held.Settings() with
        {
            Kafka = new KafkaOptions
            {
                BootstrapServers = kafka.BootstrapServers,
                GroupId = held.Group,
                Topics = [held.Topic, other.Topic],
                SessionTimeoutMs = KafkaTestSettings.SessionTimeoutMs,
            },
        };
        var holds = new TopicHolds();
        var heldPositions = new List<(int, long)>();
        var otherPositions = new List<(int, long)>();
        await using (var sink = await OpenSinkAsync(held, fake, settings.Kafka, holds, BigQuerySinkOptions.ExactlyOnce))
        {
            var (pipeline, running, stop) = held.Start(sink, settings, holds: holds);
            heldPositions.AddRange(await ProduceJsonAsync(held.Topic, 0, 2_000, withPromo: false));
            otherPositions.AddRange(await ProduceJsonAsync(other.Topic, 0, 500, withPromo: false));
            await PipelineScenario.WaitForDoneAsync(2_500, TimeSpan.FromSeconds(60), pipeline);

            // The other topic keeps producing while the first one's new column propagates.
            using var stopOther = new CancellationTokenSource();
            var steady = Task.Run(async () =>
            {
                for (var i = 1; !stopOther.IsCancellationRequested; i++)
                {
                    otherPositions.AddRange(await ProduceJsonAsync(other.Topic, i * 100, 100, withPromo: false));
                    await Task.Delay(100, CancellationToken.None);
                }
            });
            heldPositions.AddRange(await ProduceJsonAsync(held.Topic, 2_000, 1_000, withPromo: true));
            await Eventually.Until(
                () => fake.Store.RowsOf(TablePath(fake, held.Table)).Count(r => r.TryGetValue("promo_code", out var v) && v is not null) == 1_000,
                TimeSpan.FromSeconds(60), "every row with the new column written");
            await stopOther.CancelAsync();
            await steady;
            await PipelineScenario.WaitForDoneAsync(heldPositions.Count + otherPositions.Count, TimeSpan.FromSeconds(60), pipeline);
            await stop.CancelAsync();
            await running;
            held.AssertNoLeaks();
            await pipeline.DisposeAsync();
        }

        var heldPath = TablePath(fake, held.Table);
        var history = fake.Store.SchemaHistory(heldPath);
        var added = history.First(v => v.Schema.Fields.Any(f => f.Name == "promo_code"));
        Assert.Equal("NULLABLE", added.Schema.Fields.Single(f => f.Name == "promo_code").Mode.ToString().ToUpperInvariant());
        var rows = fake.Store.RowRecordsOf(heldPath);
        var withPromo = rows.Where(r => r.Values.TryGetValue("promo_code", out var v) && v is not null).ToList();
        var propagated = added.ChangedAt + TimeSpan.FromSeconds(4);
        output.WriteLine($"column added {added.ChangedAt:HH:mm:ss.fff}, visible {propagated:HH:mm:ss.fff}, first row with it {withPromo.Min(r => r.AppendedAt):HH:mm:ss.fff}");
        Assert.All(withPromo, r => Assert.True(r.SchemaVersion >= added.Version && r.AppendedAt >= propagated, $"row at {r.AppendedAt:O} with schema version {r.SchemaVersion}"));
        // Nothing was refused for the column, so nothing went to the DLQ for it.
        Assert.DoesNotContain(fake.Appends.Appends, a => a.Status == StatusCode.InvalidArgument);

        var otherRows = fake.Store.RowRecordsOf(TablePath(fake, other.Table));
        var flowedWhileHeld = otherRows.Count(r => r.AppendedAt > added.ChangedAt && r.AppendedAt < propagated);
        output.WriteLine($"rows of the other table written while the first waited: {flowedWhileHeld}");
        Assert.True(flowedWhileHeld >= 100, $"only {flowedWhileHeld} rows of the other table were written while the first waited");

        AssertExactlyOnce(heldPositions, rows.Select(Position));
        AssertExactlyOnce(otherPositions, otherRows.Select(Position));
    }

    [Fact]
    public async Task A_customer_table_keeps_its_fields_gains_only_new_columns_and_rows_too_long_for_max_length_reach_the_dlq()
    {
        await using var scenario = new PipelineScenario(kafka, output, "bq-customer", partitions: 4);
        await using var fake = await FakeBigQuery.StartAsync(new FakeBigQueryOptions { SchemaPropagationDelay = TimeSpan.FromSeconds(1) });
        var path = fake.CreateTable(scenario.Table, CustomerTable.Fields());
        var before = fake.Store.GetTable(path)!.Fields;
        // Every 50th event's name is longer than the column's maxLength of 8: BigQuery refuses that row alone.
        static string Name(int id) => id % 50 == 3 ? $"much-too-long-{id}" : $"n{id}";
        var produced = new List<(int, long)>();
        var tooLong = new HashSet<(int, long)>();
        var holds = new TopicHolds();
        await using (var sink = await OpenSinkAsync(scenario, fake, scenario.Settings().Kafka, holds, BigQuerySinkOptions.ExactlyOnce))
        {
            var (pipeline, running, stop) = scenario.Start(sink, holds: holds);
            // Two schema changes: StreamHeal's own columns first, then a new event field; each is a PATCH of the table.
            foreach (var (first, withColor) in new[] { (0, false), (1_000, true) })
            {
                var positions = await ProduceJsonAsync(scenario.Topic, first, 1_000, withPromo: false, name: Name, withColor: withColor);
                produced.AddRange(positions);
                tooLong.UnionWith(positions.Where((_, i) => Name(first + i).Length > CustomerTable.NameMaxLength));
                await PipelineScenario.WaitForDoneAsync(produced.Count, TimeSpan.FromMinutes(2), pipeline);
            }

            await stop.CancelAsync();
            await running;
            scenario.AssertNoLeaks();
            await pipeline.DisposeAsync();
        }

        var after = fake.Store.GetTable(path)!.Fields;
        string[] added = [.. new BigQueryRowLayout([]).Fields.Select(field => field.Name), "color"];
        CustomerTable.AssertKeptAndAppended(before, after, added);
        Assert.Equal(3, fake.Store.SchemaHistory(path).Count);

        var dlq = DeadLetterReader.ReadAll(scenario.BootstrapServers, scenario.Topic + ".dlq", TimeSpan.FromSeconds(60));
        Assert.Equal(40, tooLong.Count);
        Assert.Equal(tooLong.Order(), dlq.Select(d => (d.OriginalPartition, d.OriginalOffset)).Order());
        Assert.All(dlq, d => Assert.Equal("sink_rejected", d.ErrorType));
        Assert.All(dlq, d => Assert.Contains("Field name: STRING(8) has maximum length 8 but got a value with length", d.ErrorMessage, StringComparison.Ordinal));
        var rows = fake.Store.RowRecordsOf(path);
        AssertExactlyOnce([.. produced.Except(tooLong)], rows.Select(Position));
        Assert.DoesNotContain(rows, row => Convert.ToString(row.Values["name"], System.Globalization.CultureInfo.InvariantCulture)!.Length > CustomerTable.NameMaxLength);
        Assert.Equal(1_000 - 20, rows.Count(row => row.Values.TryGetValue("color", out var color) && color is not null));
    }

    private async Task<BigQuerySink> OpenSinkAsync(
        PipelineScenario scenario, FakeBigQuery fake, KafkaOptions kafkaOptions, TopicHolds holds, string delivery, Action<BigQuerySinkOptions>? configure = null)
    {
        var options = BigQuerySinkScope.For(fake, delivery);
        configure?.Invoke(options);
        if (options.IsExactlyOnce)
        {
            // The mock has no CreateTopics support: the operator's step, done here.
            kafka.Cluster.CreateTopic(options.CheckpointTopicFor(kafkaOptions.GroupId), 1);
        }

        return await BigQuerySinkFactory.CreateAsync(options, kafkaOptions, holds, TimeProvider.System, scenario.Loggers, CancellationToken.None);
    }

    /// <summary>A fake that answers each append after 100 ms, so batches queue up behind the answers: what the sink sends meanwhile is what it pipelines.</summary>
    private static async Task<FakeBigQuery> SlowAnswersAsync()
    {
        var fake = await FakeBigQuery.StartAsync();
        fake.Faults.AppendLatency = TimeSpan.FromMilliseconds(100);
        return fake;
    }

    /// <summary>The scenario's settings with batches of 500 rows: several to a second of the corpus, so several can be in flight.</summary>
    private static PipelineSettings SmallBatches(PipelineScenario scenario) =>
        scenario.Settings() with { Batch = new BatchOptions { MaxRows = 500, Linger = TimeSpan.FromMilliseconds(50) } };

    private static string TablePath(FakeBigQuery fake, string table) => $"projects/{fake.Options.ProjectId}/datasets/{fake.Options.Dataset}/tables/{table}";

    private static (int, long) Position(FakeRow row) =>
        ((int)Convert.ToInt64(row.Values[ReservedColumns.KafkaPartition]), Convert.ToInt64(row.Values[ReservedColumns.KafkaOffset]));

    /// <summary>Every row in the table or the DLQ; a copy is allowed (a replay after a fault), a missing row is not.</summary>
    private static void AssertNoneMissing(IngestionVerdict verdict)
    {
        Assert.Equal(0, verdict.Missing);
        Assert.Equal(verdict.Produced, verdict.Sunk + verdict.DeadLettered);
    }

    private static void AssertExactlyOnce(IReadOnlyCollection<(int, long)> produced, IEnumerable<(int, long)> rows)
    {
        var verdict = IngestionVerdict.Compute(produced, rows, []);
        Assert.Equal(0, verdict.Duplicates);
        Assert.Equal(0, verdict.Missing);
    }

    private async Task<IngestionVerdict> VerifyAsync(PipelineScenario scenario, FakeBigQuery fake, IReadOnlyCollection<(int Partition, long Offset)> produced)
    {
        scenario.AssertNoLeaks();
        var watermarks = await TopicWatermarks.QueryAsync(scenario.BootstrapServers, scenario.Topic);
        Assert.Empty(watermarks.DroppedByRetention());
        var dlq = DeadLetterReader.ReadAll(scenario.BootstrapServers, scenario.Topic + ".dlq", TimeSpan.FromSeconds(60));
        var rows = fake.Store.RowRecordsOf(TablePath(fake, scenario.Table)).Select(Position);
        var verdict = IngestionVerdict.Compute(produced, rows, dlq.Select(d => (d.OriginalPartition, d.OriginalOffset)).Distinct());
        output.WriteLine($"verdict: {verdict}");
        return verdict;
    }

    /// <summary>
    /// Small JSON events, ids from <paramref name="first"/>, round-robin over the topic's partitions, in id order;
    /// <paramref name="name"/> makes each event's name (default <c>item{id}</c>).
    /// </summary>
    private async Task<List<(int, long)>> ProduceJsonAsync(string topic, int first, int count, bool withPromo, Func<int, string>? name = null, bool withColor = false)
    {
        name ??= static id => $"item{id}";
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Producer(kafka.BootstrapServers)).Build();
        var deliveries = new List<Task<DeliveryResult<byte[]?, byte[]?>>>(count);
        for (var i = first; i < first + count; i++)
        {
            var json = withPromo
                ? $$"""{"id":{{i}},"name":"{{name(i)}}","promo_code":"P{{i % 17}}"}"""
                : withColor
                    ? $$"""{"id":{{i}},"name":"{{name(i)}}","color":"c{{i % 5}}"}"""
                    : $$"""{"id":{{i}},"name":"{{name(i)}}"}""";
            deliveries.Add(producer.ProduceAsync(new TopicPartition(topic, i % 4), new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(json) }));
        }

        var results = await Task.WhenAll(deliveries);
        return [.. results.Select(r => (r.Partition.Value, r.Offset.Value))];
    }
}
