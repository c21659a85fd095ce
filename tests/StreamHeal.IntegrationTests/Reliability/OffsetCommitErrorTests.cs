using Confluent.Kafka;
using StreamHeal.Dev.Kafka;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>
/// OffsetCommit refused by the coordinator: librdkafka retries some inside, others reach the application. A refused
/// commit may only delay the committed offset; rows are neither lost nor written twice.
/// </summary>
[Trait(FaultMatrix.Trait, FaultMatrix.Value)]
[Collection(ReliabilityCollection.Name)]
public sealed class OffsetCommitErrorTests(ReliabilityFixture fixture, ITestOutputHelper output)
{
    private const string Family = "OffsetCommit errors";

    [Fact]
    public Task RebalanceInProgress() => RunAsync(ErrorCode.RebalanceInProgress);

    [Fact]
    public Task RequestTimedOut() => RunAsync(ErrorCode.RequestTimedOut);

    [Fact]
    public Task NotCoordinator() => RunAsync(ErrorCode.NotCoordinatorForGroup);

    [Fact]
    public Task CoordinatorNotAvailable() => RunAsync(ErrorCode.GroupCoordinatorNotAvailable);

    [Fact]
    public Task IllegalGeneration() => RunAsync(ErrorCode.IllegalGeneration);

    private Task RunAsync(ErrorCode error, [System.Runtime.CompilerServices.CallerMemberName] string test = "") =>
        RequestErrorFault.RunAsync(fixture, output, Family, KafkaApiKey.OffsetCommit, error, test: $"{nameof(OffsetCommitErrorTests)}.{test}");
}
