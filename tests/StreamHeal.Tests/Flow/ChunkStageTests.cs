using System.Text;
using System.Threading.Tasks.Dataflow;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using StreamHeal.CompatFilter;
using StreamHeal.Decode;
using StreamHeal.Flow;
using StreamHeal.Offsets;
using StreamHeal.Records;
using StreamHeal.Tables;
using StreamHeal.Telemetry;
using Xunit;

namespace StreamHeal.Tests.Flow;

/// <summary>Decode and compat-filter on chunks: a record that leaves its chunk goes where it belongs, the rest go on in order.</summary>
public sealed class ChunkStageTests
{
    private static readonly TopicPartition Partition = new("events", 0);

    private static IngestRecord Record(long offset, string? json) => new()
    {
        Topic = Partition.Topic,
        Partition = Partition.Partition.Value,
        Offset = offset,
        Timestamp = DateTimeOffset.UnixEpoch,
        Value = json is null ? null : Encoding.UTF8.GetBytes(json),
        AssignmentGeneration = 1,
        Table = "events",
    };

    private static RecordChunk Chunk(IEnumerable<IngestRecord> records)
    {
        RecordChunk? chunk = null;
        foreach (var record in records)
        {
            if (chunk is null)
            {
                chunk = new RecordChunk(record);
            }
            else
            {
                chunk.Add(record);
            }
        }

        return chunk!;
    }

    private static long[] Offsets(RecordChunk chunk) => [.. Enumerable.Range(0, chunk.Count).Select(i => chunk[i].Offset)];

    [Fact]
    public async Task Decode_completes_a_tombstone_sends_an_empty_value_to_the_dlq_and_passes_the_rest_in_order()
    {
        var tracker = new OffsetTracker();
        var generation = tracker.Assign(Partition);
        var budget = new InFlightBudget(1L << 30, 1_000, 50);
        var records = new[] { Record(0, "{\"a\":1}"), Record(1, null), Record(2, ""), Record(3, "{\"a\":2}") };
        foreach (var record in records)
        {
            tracker.Register(Partition, generation, record.Offset);
            budget.Admit(record.Bytes);
        }

        using var metrics = new PipelineMetrics();
        var deadLetters = new BufferBlock<IngestRecord>();
        var stage = DecodeStage.Create(
            new JsonDecoder(new DecodeOptions()), null, new RecordCompletion(tracker, budget), deadLetters, metrics, parallelism: 1, capacity: 4, CancellationToken.None);

        await stage.SendAsync(Chunk(records));
        var chunk = await stage.ReceiveAsync(TimeSpan.FromSeconds(30));
        var dead = await deadLetters.ReceiveAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([0L, 3L], Offsets(chunk));
        Assert.Equal(2, dead.Offset);
        Assert.Equal("decode", dead.Failure?.Stage);
        Assert.Equal(DecodeErrors.EmptyValue, dead.Failure?.Type);
        // Only the tombstone is complete: the others are done when their row is written or their dead letter acknowledged.
        Assert.Equal(3, tracker.TotalPending);
        Assert.Equal(3, budget.Records);
        Assert.Equal(0, deadLetters.Count);
        stage.Complete();
        await stage.Completion.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Compat_filter_with_the_dlq_policy_sends_the_violating_row_alone_to_the_dlq()
    {
        var catalog = new SchemaCatalog();
        catalog.Seed("events", [new TableColumn("a", ColumnType.Int64)]);
        using var metrics = new PipelineMetrics();
        var deadLetters = new BufferBlock<IngestRecord>();
        var stage = CompatFilterStage.Create(
            new StreamHeal.CompatFilter.CompatFilter(new CompatFilterOptions()), SchemaViolationPolicy.DeadLetter, catalog, null, new QuarantineCounts(),
            deadLetters, metrics, NullLogger.Instance, parallelism: 1, capacity: 4, CancellationToken.None);
        var records = new[] { Record(0, null), Record(1, null), Record(2, null) };
        for (var i = 0; i < records.Length; i++)
        {
            var row = new FlatRow();
            row.Add("a", i == 1 ? FieldValue.FromString("not a number") : FieldValue.FromInt64(i));
            records[i].Row = row;
        }

        await stage.SendAsync(Chunk(records));
        var chunk = await stage.ReceiveAsync(TimeSpan.FromSeconds(30));
        var dead = await deadLetters.ReceiveAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([0L, 2L], Offsets(chunk));
        Assert.Equal(1, dead.Offset);
        Assert.Equal("schema_violation", dead.Failure?.Type);
        stage.Complete();
        await stage.Completion.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
