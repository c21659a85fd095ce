using Confluent.Kafka;

namespace StreamHeal.Kafka;

/// <summary>Low and high watermark of one partition; <see cref="High"/> is the next offset to be written.</summary>
public readonly record struct PartitionWatermark(int Partition, long Low, long High)
{
    /// <summary>Messages currently retained in the partition.</summary>
    public long Count => High - Low;
}

/// <summary>Per-partition watermarks of one topic, read from the brokers.</summary>
public sealed class TopicWatermarks
{
    /// <summary>Used when the caller passes no timeout: per request (metadata, each partition's offsets).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private TopicWatermarks(string topic, IReadOnlyList<PartitionWatermark> partitions)
    {
        Topic = topic;
        Partitions = partitions;
    }

    public string Topic { get; }

    /// <summary>Ordered by partition id.</summary>
    public IReadOnlyList<PartitionWatermark> Partitions { get; }

    /// <summary>Messages retained over all partitions.</summary>
    public long TotalCount => Partitions.Sum(p => p.Count);

    /// <summary>
    /// Partitions whose low watermark is above 0, i.e. whose oldest data is gone. On the mock cluster that means
    /// silent retention (5 MiB per partition): an empty list is the precondition for "nothing was lost".
    /// </summary>
    public IReadOnlyList<PartitionWatermark> DroppedByRetention() => Partitions.Where(p => p.Low > 0).ToArray();

    /// <summary>Reads the partition count from metadata, then each partition's watermarks from its leader.</summary>
    /// <param name="timeout">Per request; <see cref="DefaultTimeout"/> when null.</param>
    /// <exception cref="InvalidOperationException">The topic does not exist or has no partitions.</exception>
    /// <exception cref="KafkaException">A broker request failed or timed out.</exception>
    public static Task<TopicWatermarks> QueryAsync(
        string bootstrapServers, string topic, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(bootstrapServers);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var perRequest = timeout ?? DefaultTimeout;

        // Confluent's metadata and watermark calls are blocking; keep them off the caller's thread.
        return Task.Run(() => Query(bootstrapServers, topic, perRequest, cancellationToken), cancellationToken);
    }

    private static TopicWatermarks Query(string bootstrapServers, string topic, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            // Never joins: only the offset lookups below use this consumer.
            GroupId = "streamheal-watermarks",
            EnableAutoCommit = false,
            AllowAutoCreateTopics = false,
        };
        // A short-lived helper: only errors are worth a log line.
        config.Set("log_level", "3");
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();

        var metadata = admin.GetMetadata(topic, timeout).Topics.SingleOrDefault(t => t.Topic == topic);
        if (metadata is null || metadata.Error.IsError || metadata.Partitions.Count == 0)
        {
            var reason = metadata is null ? "not in metadata" : metadata.Error.IsError ? metadata.Error.Reason : "no partitions";
            throw new InvalidOperationException($"Cannot read watermarks of topic '{topic}' on {bootstrapServers}: {reason}.");
        }

        var partitions = new List<PartitionWatermark>(metadata.Partitions.Count);
        foreach (var partition in metadata.Partitions.Select(p => p.PartitionId).Order())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var offsets = consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), timeout);
            partitions.Add(new PartitionWatermark(partition, offsets.Low.Value, offsets.High.Value));
        }

        return new TopicWatermarks(topic, partitions);
    }
}
