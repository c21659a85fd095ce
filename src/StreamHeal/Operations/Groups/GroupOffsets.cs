using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace StreamHeal.Operations.Groups;

/// <summary>One partition of <c>offsets show</c>; <see cref="Committed"/> and <see cref="Lag"/> are null without a commit.</summary>
public sealed record PartitionOffsets(int Partition, long? Committed, long Low, long High, string? Owner)
{
    /// <summary>Without a commit, the whole retained partition is behind.</summary>
    public long Lag => High - Math.Max(Low, Committed ?? Low);
}

/// <summary>A live member of the group and the partitions of the topic it owns.</summary>
public sealed record GroupMember(string MemberId, string ClientId, string Host, IReadOnlyList<int> Partitions);

public sealed record GroupOffsetsReport(string Group, string Topic, IReadOnlyList<PartitionOffsets> Partitions, IReadOnlyList<GroupMember>? Members)
{
    public long TotalLag => Partitions.Sum(static p => p.Lag);

    public bool HasCommits => Partitions.Any(static p => p.Committed is not null);
}

/// <summary>Reads a group's committed offsets, the topic's watermarks and (where the broker can describe groups) its members.</summary>
public sealed class GroupOffsets(OperatorConnection connection)
{
    /// <exception cref="InvalidOperationException">The topic does not exist.</exception>
    public async Task<GroupOffsetsReport> ShowAsync(string group, string topic, CancellationToken cancellationToken)
    {
        var members = await DescribeMembersAsync(group, topic, cancellationToken);
        var rows = await Task.Run(() => ReadOffsets(group, topic, members), cancellationToken);
        return new GroupOffsetsReport(group, topic, rows, members);
    }

    /// <summary>
    /// The group's live members, or null when the brokers cannot say (a broker without DescribeGroups, such as
    /// librdkafka's mock cluster).
    /// </summary>
    public async Task<IReadOnlyList<GroupMember>?> DescribeMembersAsync(string group, string topic, CancellationToken cancellationToken)
    {
        using var admin = new AdminClientBuilder(connection.Admin()).SetLogHandler(static (_, _) => { }).Build();
        try
        {
            var result = await admin.DescribeConsumerGroupsAsync([group], new DescribeConsumerGroupsOptions { RequestTimeout = TimeSpan.FromSeconds(5) })
                .WaitAsync(cancellationToken);
            var description = result.ConsumerGroupDescriptions.Single();
            if (description.Error.IsError)
            {
                return null;
            }

            return description.Members.ConvertAll(m => new GroupMember(
                m.ConsumerId, m.ClientId, m.Host,
                [.. (m.Assignment?.TopicPartitions ?? []).Where(tp => tp.Topic == topic).Select(static tp => tp.Partition.Value).Order()]));
        }
        catch (KafkaException)
        {
            // DescribeConsumerGroupsException included: the broker cannot describe groups, or the request timed out.
            return null;
        }
    }

    internal List<PartitionOffsets> ReadOffsets(string group, string topic, IReadOnlyList<GroupMember>? members)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(connection.Consumer(group)).SetLogHandler(static (_, _) => { }).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var metadata = admin.GetMetadata(topic, OperatorConnection.RequestTimeout).Topics.SingleOrDefault(t => t.Topic == topic);
        if (metadata is null || metadata.Error.IsError || metadata.Partitions.Count == 0)
        {
            throw new InvalidOperationException($"Topic '{topic}' does not exist on {connection.BootstrapServers}.");
        }

        var partitions = metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).OrderBy(static p => p.Partition.Value).ToList();
        var committed = consumer.Committed(partitions, OperatorConnection.RequestTimeout)
            .ToDictionary(static c => c.Partition.Value, static c => c.Offset.Value >= 0 ? c.Offset.Value : (long?)null);
        var rows = new List<PartitionOffsets>(partitions.Count);
        foreach (var partition in partitions)
        {
            var watermarks = consumer.QueryWatermarkOffsets(partition, OperatorConnection.RequestTimeout);
            var owner = members?.FirstOrDefault(m => m.Partitions.Contains(partition.Partition.Value))?.MemberId;
            rows.Add(new PartitionOffsets(partition.Partition.Value, committed.GetValueOrDefault(partition.Partition.Value), watermarks.Low.Value, watermarks.High.Value, owner));
        }

        return rows;
    }
}
