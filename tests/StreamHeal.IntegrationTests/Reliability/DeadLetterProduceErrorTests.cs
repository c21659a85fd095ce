using Confluent.Kafka;
using StreamHeal.Dev.Kafka;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>
/// The DLQ broker refusing writes (retriably) while poison is being dead-lettered. Errors are queued per API key, not
/// per topic, so they are pushed before the pipeline starts: the first half's poison then meets them, and the test's
/// own producer waits them out too. Every poison event must still reach the DLQ once, byte for byte.
/// </summary>
[Trait(FaultMatrix.Trait, FaultMatrix.Value)]
[Collection(ReliabilityCollection.Name)]
public sealed class DeadLetterProduceErrorTests(ReliabilityFixture fixture, ITestOutputHelper output)
{
    private const string Family = "DLQ Produce errors";

    [Fact]
    public Task NotEnoughReplicas() => RunAsync(ErrorCode.NotEnoughReplicas);

    [Fact]
    public Task RequestTimedOut() => RunAsync(ErrorCode.RequestTimedOut);

    [Fact]
    public Task LeaderNotAvailable() => RunAsync(ErrorCode.LeaderNotAvailable);

    // The idempotent DLQ producer asks for its producer id first; until it has one, no dead letter can be sent.
    [Fact]
    public Task InitProducerId_CoordinatorNotAvailable() => RunAsync(ErrorCode.GroupCoordinatorNotAvailable, KafkaApiKey.InitProducerId);

    [Fact]
    public Task InitProducerId_NotCoordinator() => RunAsync(ErrorCode.NotCoordinatorForGroup, KafkaApiKey.InitProducerId);

    private Task RunAsync(ErrorCode error, KafkaApiKey api = KafkaApiKey.Produce, [System.Runtime.CompilerServices.CallerMemberName] string test = "") =>
        RequestErrorFault.RunAsync(fixture, output, Family, api, error, beforeStart: true, test: $"{nameof(DeadLetterProduceErrorTests)}.{test}");
}
