using Confluent.Kafka;
using StreamHeal.Dev.Kafka;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>
/// Partition-level Fetch errors: librdkafka reports them as consume errors carrying the partition's next fetch
/// position, the offset of a real event not yet read. None of them may become a dead letter or move an offset.
/// </summary>
[Trait(FaultMatrix.Trait, FaultMatrix.Value)]
[Collection(ReliabilityCollection.Name)]
public sealed class FetchErrorTests(ReliabilityFixture fixture, ITestOutputHelper output)
{
    private const string Family = "Fetch request errors";

    [Fact]
    public Task TopicAuthorizationFailed() => RunAsync(ErrorCode.TopicAuthorizationFailed, expectDegraded: true);

    [Fact]
    public Task UnknownTopicOrPartition() => RunAsync(ErrorCode.UnknownTopicOrPart);

    [Fact]
    public Task NotLeaderForPartition() => RunAsync(ErrorCode.NotLeaderForPartition);

    [Fact]
    public Task RequestTimedOut() => RunAsync(ErrorCode.RequestTimedOut, expectDegraded: true);

    [Fact]
    public Task KafkaStorageError() => RunAsync(ErrorCode.KafkaStorageError);

    // CORRUPT_MESSAGE reaches the loop as a consume error about the partition, not about one message's bytes.
    [Fact]
    public Task CorruptMessage() => RunAsync(ErrorCode.InvalidMsg, expectDegraded: true);

    // Out of range for offsets the broker still holds: not a reset, so nothing is read twice and the DLQ gets no repeats.
    [Fact]
    public Task OffsetOutOfRange() => RunAsync(ErrorCode.OffsetOutOfRange, expectDegraded: true);

    // NotLeader, UnknownTopicOrPart and KafkaStorageError stall the fetch silently inside librdkafka (no consume error
    // reaches the loop), so only the errors it reports are expected to show as DEGRADED.
    private Task RunAsync(ErrorCode error, bool expectDegraded = false, [System.Runtime.CompilerServices.CallerMemberName] string test = "") =>
        RequestErrorFault.RunAsync(fixture, output, Family, KafkaApiKey.Fetch, error, expectDegraded: expectDegraded, test: $"{nameof(FetchErrorTests)}.{test}");
}
