using System.Globalization;
using System.Text.RegularExpressions;
using Confluent.Kafka;

namespace StreamHeal.Operations.Groups;

/// <summary>One partition of a reset: the committed offset before (null when none) and after.</summary>
public sealed record ResetChange(int Partition, long? Before, long After, long Low, long High);

/// <summary>The group has live members; offsets are never moved under a running consumer.</summary>
public sealed class GroupHasMembersException(string message) : InvalidOperationException(message);

/// <summary>
/// Moves a stopped group's committed offsets. The new offsets are committed by briefly joining the group as its only
/// member, which is the one commit every broker accepts for a group that has had members; the join is also the last
/// check that nobody else is in it (brokers without DescribeGroups, like librdkafka's mock, give no other way).
/// </summary>
/// <param name="sessionTimeoutMs">The joining member's session timeout; use the service's own (kafka.sessionTimeoutMs).
/// Default 6,000 ms, the least a broker accepts by default (group.min.session.timeout.ms). librdkafka's mock cluster
/// never answers a join to a group that had members when this is below theirs.</param>
public sealed partial class OffsetResetter(OperatorConnection connection, int sessionTimeoutMs = OffsetResetter.DefaultSessionTimeoutMs)
{
    public const int DefaultSessionTimeoutMs = 6_000;

    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    /// <exception cref="InvalidOperationException">The topic does not exist.</exception>
    /// <exception cref="ArgumentException">A partition in <paramref name="partitions"/> is not in the topic.</exception>
    public async Task<IReadOnlyList<ResetChange>> PlanAsync(
        string group, string topic, ResetTarget target, IReadOnlySet<int>? partitions, CancellationToken cancellationToken)
    {
        var current = await Task.Run(() => new GroupOffsets(connection).ReadOffsets(group, topic, null), cancellationToken);
        var unknown = partitions?.Where(p => current.TrueForAll(c => c.Partition != p)).ToList() ?? [];
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Topic '{topic}' has partitions 0-{current.Count - 1}; no partition {string.Join(", ", unknown)}.");
        }

        var selected = current.Where(c => partitions is null || partitions.Contains(c.Partition)).ToList();
        var forTime = target.Kind == ResetKind.Timestamp
            ? await Task.Run(() => OffsetsForTime(group, topic, selected.ConvertAll(static s => s.Partition), target.Time!.Value), cancellationToken)
            : [];
        // A partition with no record at or after the time has no entry: it resolves to its end, not to offset 0.
        return selected.ConvertAll(p => new ResetChange(
            p.Partition, p.Committed, target.Resolve(p.Committed, p.Low, p.High, forTime.TryGetValue(p.Partition, out var at) ? at : null), p.Low, p.High));
    }

    /// <exception cref="GroupHasMembersException">Someone else is in the group; nothing was committed.</exception>
    public async Task ApplyAsync(string group, string topic, IReadOnlyList<ResetChange> changes, CancellationToken cancellationToken)
    {
        var members = await new GroupOffsets(connection).DescribeMembersAsync(group, topic, cancellationToken);
        if (members is { Count: > 0 })
        {
            throw HasMembers(group, $"{members.Count} live member(s): {string.Join(", ", members.Select(static m => $"{m.ClientId}@{m.Host}"))}");
        }

        await Task.Run(() => CommitAsOnlyMember(group, topic, changes, cancellationToken), cancellationToken);
    }

    private void CommitAsOnlyMember(string group, string topic, IReadOnlyList<ResetChange> changes, CancellationToken cancellationToken)
    {
        var config = connection.Consumer(group);
        config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range;
        config.SessionTimeoutMs = sessionTimeoutMs;
        // The JoinGroup debug line is where librdkafka tells the leader how many members joined.
        config.Debug = "cgrp";
        config.Set("log_level", "7");
        JoinReport? join = null;
        var assigned = false;
        string? protocolError = null;
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config)
            .SetLogHandler((_, log) =>
            {
                if (JoinGroupResponse().Match(log.Message) is { Success: true } m && m.Groups["gen"].Value != "-1")
                {
                    join = new JoinReport(m.Groups["me"].Success, int.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture));
                }
            })
            .SetErrorHandler((_, error) =>
            {
                if (error.Code == ErrorCode.InconsistentGroupProtocol)
                {
                    protocolError = error.Reason;
                }
            })
            .SetPartitionsAssignedHandler((_, _) => assigned = true)
            .Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow + JoinTimeout;
        try
        {
            while (!assigned && protocolError is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (DateTime.UtcNow > deadline)
                {
                    // A group that takes this long to form is waiting for members that are still there.
                    throw HasMembers(group, $"it did not let a new member in within {JoinTimeout.TotalSeconds:0} s");
                }

                try
                {
                    consumer.Consume(TimeSpan.FromMilliseconds(100));
                }
                catch (ConsumeException e) when (e.Error.Code == ErrorCode.InconsistentGroupProtocol)
                {
                    protocolError = e.Error.Reason;
                }
            }

            if (protocolError is not null)
            {
                throw HasMembers(group, $"members with another assignment protocol ({protocolError})");
            }

            if (join is not { Leader: true, Members: 1 })
            {
                throw HasMembers(group, join is null ? "the group did not report its members" : $"{(join.Leader ? join.Members - 1 : "other")} other member(s) joined with it");
            }

            consumer.Commit(changes.Select(c => new TopicPartitionOffset(topic, c.Partition, c.After)));
        }
        finally
        {
            consumer.Close();
        }
    }

    private Dictionary<int, long> OffsetsForTime(string group, string topic, List<int> partitions, DateTimeOffset time)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(connection.Consumer(group)).SetLogHandler(static (_, _) => { }).Build();
        var at = new Timestamp(time);
        return consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(topic, p, at)), OperatorConnection.RequestTimeout)
            .Where(static o => o.Offset.Value >= 0)
            .ToDictionary(static o => o.Partition.Value, static o => o.Offset.Value);
    }

    private static GroupHasMembersException HasMembers(string group, string who) =>
        new($"Group '{group}' is in use ({who}). Stop the service (every replica) first: offsets are never moved under a running consumer.");

    private sealed record JoinReport(bool Leader, int Members);

    [GeneratedRegex(@"JoinGroup response: GenerationId (?<gen>-?\d+), .*LeaderId \S*?(?<me> \(me\))?, my MemberId \S*, member metadata count (?<count>\d+)")]
    private static partial Regex JoinGroupResponse();
}
