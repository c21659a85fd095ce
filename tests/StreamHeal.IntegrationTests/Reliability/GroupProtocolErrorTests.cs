using Confluent.Kafka;
using StreamHeal.Dev.Kafka;
using StreamHeal.Pipeline;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>
/// The group coordinator refusing JoinGroup, SyncGroup or Heartbeat mid-stream. A Heartbeat answered
/// RebalanceInProgress makes the member rejoin, which is how the JoinGroup and SyncGroup errors are met mid-stream.
/// </summary>
[Trait(FaultMatrix.Trait, FaultMatrix.Value)]
[Collection(ReliabilityCollection.Name)]
public sealed class GroupProtocolErrorTests(ReliabilityFixture fixture, ITestOutputHelper output)
{
    private const string Family = "Group protocol errors";
    private static readonly (KafkaApiKey, ErrorCode) Rejoin = (KafkaApiKey.Heartbeat, ErrorCode.RebalanceInProgress);

    [Fact]
    public Task JoinGroup_CoordinatorNotAvailable() => RunAsync(KafkaApiKey.JoinGroup, ErrorCode.GroupCoordinatorNotAvailable, Rejoin);

    [Fact]
    public Task JoinGroup_NotCoordinator() => RunAsync(KafkaApiKey.JoinGroup, ErrorCode.NotCoordinatorForGroup, Rejoin);

    [Fact]
    public Task SyncGroup_CoordinatorNotAvailable() => RunAsync(KafkaApiKey.SyncGroup, ErrorCode.GroupCoordinatorNotAvailable, Rejoin);

    [Fact]
    public Task SyncGroup_RebalanceInProgress() => RunAsync(KafkaApiKey.SyncGroup, ErrorCode.RebalanceInProgress, Rejoin);

    [Fact]
    public Task Heartbeat_RebalanceInProgress() => RunAsync(KafkaApiKey.Heartbeat, ErrorCode.RebalanceInProgress);

    [Fact]
    public Task Heartbeat_NotCoordinator() => RunAsync(KafkaApiKey.Heartbeat, ErrorCode.NotCoordinatorForGroup);

    [Fact]
    public Task Heartbeat_CoordinatorNotAvailable() => RunAsync(KafkaApiKey.Heartbeat, ErrorCode.GroupCoordinatorNotAvailable);

    // The coordinator has forgotten the member (its session expired there): it rejoins under a new id and its
    // partitions are lost, not revoked, so what it had not committed is read again by whoever gets them.
    [Fact]
    public Task Heartbeat_UnknownMemberId() => RunAsync(KafkaApiKey.Heartbeat, ErrorCode.UnknownMemberId);

    [Fact]
    public Task Heartbeat_IllegalGeneration() => RunAsync(KafkaApiKey.Heartbeat, ErrorCode.IllegalGeneration);

    // Heartbeats every 500 ms instead of 3 s, so a 3 s fault meets several of them.
    private static void FrequentHeartbeats(PipelineSettings settings) => settings.Kafka.Properties["heartbeat.interval.ms"] = "500";

    private Task RunAsync(KafkaApiKey api, ErrorCode error, (KafkaApiKey, ErrorCode)? trigger = null, [System.Runtime.CompilerServices.CallerMemberName] string test = "") =>
        RequestErrorFault.RunAsync(fixture, output, Family, api, error, FrequentHeartbeats, trigger: trigger, test: $"{nameof(GroupProtocolErrorTests)}.{test}");
}
