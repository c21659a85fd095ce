using StreamHeal.IntegrationTests.Reliability;
using StreamHeal.Sink;
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
    public async Task A_wrapper_forwards_concurrency_batches_in_flight_status_and_assignments_to_its_inner_sink(string wrapper)
    {
        var concurrent = new DiscardingSink(concurrent: true, status: "throttled: orders", batchesInFlight: 4);
        var serial = new DiscardingSink(concurrent: false, status: null);
        await using var wrapsConcurrent = Wrap(wrapper, concurrent);
        await using var wrapsSerial = Wrap(wrapper, serial);

        wrapsConcurrent.PartitionsAssigned("events", [0, 2]);

        Assert.True(wrapsConcurrent.WritesTablesConcurrently);
        Assert.False(wrapsSerial.WritesTablesConcurrently);
        Assert.Equal(4, wrapsConcurrent.BatchesInFlightPerTable);
        Assert.Equal(1, wrapsSerial.BatchesInFlightPerTable);
        Assert.Equal("throttled: orders", wrapsConcurrent.StatusLine);
        Assert.Null(wrapsSerial.StatusLine);
        Assert.Equal([("events", new[] { 0, 2 })], concurrent.Assigned.Select(a => (a.Topic, a.Partitions.ToArray())));
        Assert.Empty(serial.Assigned);
    }
}
