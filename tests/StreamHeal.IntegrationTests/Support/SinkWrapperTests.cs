using StreamHeal.IntegrationTests.Reliability;
using StreamHeal.Sink;
using StreamHeal.Tables;
using Xunit;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>A wrapper sink answers for its inner sink: none of <see cref="ISink"/>'s members may fall back to a default.</summary>
public sealed class SinkWrapperTests
{
    public static TheoryData<string> Wrappers() => ["flaky", "progress"];

    private static ISink Wrap(string wrapper, ISink inner) => wrapper switch
    {
        "flaky" => new FlakySink(inner),
        "progress" => new ProgressSink(inner, partitions: 4),
        _ => throw new ArgumentOutOfRangeException(nameof(wrapper), wrapper, null),
    };

    [Theory]
    [MemberData(nameof(Wrappers))]
    public async Task A_wrapper_forwards_concurrency_status_and_assignments_to_its_inner_sink(string wrapper)
    {
        var concurrent = new RecordingSink(concurrent: true, status: "throttled: orders");
        var serial = new RecordingSink(concurrent: false, status: null);
        await using var wrapsConcurrent = Wrap(wrapper, concurrent);
        await using var wrapsSerial = Wrap(wrapper, serial);

        wrapsConcurrent.PartitionsAssigned("events", [0, 2]);

        Assert.True(wrapsConcurrent.WritesTablesConcurrently);
        Assert.False(wrapsSerial.WritesTablesConcurrently);
        Assert.Equal("throttled: orders", wrapsConcurrent.StatusLine);
        Assert.Null(wrapsSerial.StatusLine);
        Assert.Equal([("events", new[] { 0, 2 })], concurrent.Assigned.Select(a => (a.Topic, a.Partitions.ToArray())));
        Assert.Empty(serial.Assigned);
    }

    private sealed class RecordingSink(bool concurrent, string? status) : ISink
    {
        public List<(string Topic, IReadOnlyList<int> Partitions)> Assigned { get; } = [];

        public string Name => "recording";

        public bool WritesTablesConcurrently => concurrent;

        public string? StatusLine => status;

        public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions) => Assigned.Add((topic, partitions));

        public ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken) =>
            ValueTask.FromResult(columns);

        public ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken) =>
            ValueTask.FromResult(SinkBatchResult.AllWritten(batch.Rows.Count));

        public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyDictionary<int, long>>(new Dictionary<int, long>());

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
