using Confluent.Kafka;

namespace StreamHeal.Kafka;

/// <summary>
/// Builds librdkafka configurations from <see cref="KafkaOptions"/>. The commit settings are locked: offsets are
/// stored by the poll loop only when the sink confirmed a contiguous range, and librdkafka's auto-commit sends them.
/// </summary>
public static class KafkaConfigBuilder
{
    private static readonly HashSet<string> LockedKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "enable.auto.commit",
        "enable.auto.offset.store",
        "auto.offset.reset",
        "group.id",
        "bootstrap.servers",
        "enable.partition.eof",
        "queued.max.messages.kbytes",
        "partition.assignment.strategy",
    };

    private const string FetchQueueBackoffKey = "fetch.queue.backoff.ms";
    private const string DefaultFetchQueueBackoffMs = "10";
    private const string FetchWaitMaxKey = "fetch.wait.max.ms";
    private const string DefaultFetchWaitMaxMs = "100";
    private const string QueuedMinMessagesKey = "queued.min.messages";
    private const string DefaultQueuedMinMessages = "10000";

    public static bool IsLocked(string key) => LockedKeys.Contains(key);

    public static ConsumerConfig Consumer(KafkaOptions kafka, int prefetchKBytes)
    {
        var config = new ConsumerConfig(new Dictionary<string, string>(kafka.Properties))
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = kafka.GroupId,
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoCommitIntervalMs = kafka.AutoCommitIntervalMs,
            // Never jump silently: an out-of-range position surfaces as Local_AutoOffsetReset and the poll loop
            // logs the lost range before seeking per kafka.startFrom.
            AutoOffsetReset = AutoOffsetReset.Error,
            SessionTimeoutMs = kafka.SessionTimeoutMs,
            QueuedMaxMessagesKbytes = prefetchKBytes,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
            EnablePartitionEof = false,
        };
        // librdkafka postpones a partition's next fetch by this much whenever its prefetch queue is over the
        // threshold, 1 s by default. The poll loop stops consuming while decode is full, so the queue sits at the
        // threshold often; with the default the queue then ran dry for most of a second each time (the harness saw
        // empty polls for 29% of (b)'s run). Kept short unless kafka.properties sets it.
        SetUnlessGiven(config, kafka, FetchQueueBackoffKey, DefaultFetchQueueBackoffMs);

        // How long a broker may hold a fetch that has no data yet; 500 ms by default. A broker answers as soon as data
        // arrives, so this only costs idle requests, but a broker that waits it out (the mock does) adds it to every
        // row's latency: at moderate load the harness measured p50 532 ms with the default and 252 ms with 100 ms.
        SetUnlessGiven(config, kafka, FetchWaitMaxKey, DefaultFetchWaitMaxMs);

        // How many messages per partition librdkafka tries to keep prefetched; 100,000 by default. The byte bound
        // (queued.max.messages.kbytes) still applies, yet over a 2M-event backlog on 64 partitions the fresh pipeline
        // process peaked at 267-278 MB resident with the default and 189-198 MB with 10,000 or 1,000, at the same rate.
        SetUnlessGiven(config, kafka, QueuedMinMessagesKey, DefaultQueuedMinMessages);

        return config;
    }

    private static void SetUnlessGiven(ConsumerConfig config, KafkaOptions kafka, string key, string value)
    {
        if (!kafka.Properties.ContainsKey(key))
        {
            config.Set(key, value);
        }
    }

    /// <summary>The DLQ producer: idempotent, acks=all, so a retried send never duplicates within a session.</summary>
    public static ProducerConfig DeadLetterProducer(KafkaOptions kafka, int maxMessageBytes)
    {
        var config = new ProducerConfig(FilterForProducer(kafka.Properties))
        {
            BootstrapServers = kafka.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            MessageMaxBytes = maxMessageBytes,
            // Delivery failures come back to the DLQ stage, which retries behind its own backoff, so one attempt
            // window of librdkafka's retries is enough.
            MessageTimeoutMs = 30_000,
        };
        return config;
    }

    /// <summary>The exactly-once checkpoint producer: idempotent, acks=all, no linger (a checkpoint holds up its batch).</summary>
    public static ProducerConfig CheckpointProducer(KafkaOptions kafka)
    {
        var config = new ProducerConfig(FilterForProducer(kafka.Properties))
        {
            BootstrapServers = kafka.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 0,
            MessageTimeoutMs = 30_000,
        };
        return config;
    }

    /// <summary>Reads the checkpoint topic by assignment: no group membership, no commits.</summary>
    public static ConsumerConfig CheckpointReader(KafkaOptions kafka) =>
        new(FilterForProducer(kafka.Properties))
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = kafka.GroupId + ".checkpoint-reader",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
        };

    /// <summary>
    /// The <c>kafka.properties</c> every client shares (security, SASL, TLS, client id), without the consumer-only
    /// ones; operator commands build their clients from these.
    /// </summary>
    public static Dictionary<string, string> SharedClientProperties(IReadOnlyDictionary<string, string> properties) => FilterForProducer(properties);

    private static Dictionary<string, string> FilterForProducer(IReadOnlyDictionary<string, string> properties)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in properties)
        {
            // Consumer-only keys make the producer warn; security and client settings apply to both.
            if (key.StartsWith("security.", StringComparison.Ordinal) || key.StartsWith("sasl.", StringComparison.Ordinal)
                || key.StartsWith("ssl.", StringComparison.Ordinal) || key == "client.id")
            {
                result[key] = value;
            }
        }

        return result;
    }
}
