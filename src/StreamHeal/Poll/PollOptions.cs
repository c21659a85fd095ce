using StreamHeal.Kafka;

namespace StreamHeal.Poll;

/// <summary>
/// The poll loop's timings and limits. The pipeline builds them from the user's kafka and pipeline settings;
/// the fixed timings are measured choices, explained where they are used.
/// </summary>
public sealed class PollOptions
{
    public required IReadOnlyList<string> Topics { get; init; }

    public required string BootstrapServers { get; init; }

    public string GroupId { get; init; } = "streamheal";

    public StartFrom StartFrom { get; init; } = StartFrom.Earliest;

    /// <summary>How long one poll waits for a record.</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The poll timeout while records wait for room in decode: with the full timeout a paused pipeline drained at most one
    /// decode queue per 100 ms (~20,000 records/s), measured by the harness.
    /// </summary>
    public TimeSpan HeldPollTimeout { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>How often advanced watermarks are stored for librdkafka's auto-commit.</summary>
    public TimeSpan StoreInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long decode may refuse a full hold queue before every partition is paused. Until then the loop simply stops
    /// consuming; after it, pausing keeps the member polling (and so alive in its group) through a long stall.
    /// </summary>
    public TimeSpan BlockedPauseAfter { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MetadataTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on leaving the group (see <see cref="PollLoop"/>).</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan RevokeDrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Records held for decode before the loop stops consuming: one stage's capacity.</summary>
    public int HoldLimit { get; init; } = DefaultHoldLimit;

    /// <summary>The pipeline's default stage capacity.</summary>
    public const int DefaultHoldLimit = 2_048;

    /// <summary>A Kafka condition (authorization, unknown topic, brokers down ...) that lasts this long stops the service.</summary>
    public TimeSpan FatalAfter { get; init; } = KafkaOptions.DefaultFatalAfter;

    /// <summary>
    /// A condition not reported again for this long is over. librdkafka repeats a failing fetch about every 500 ms and
    /// suppresses identical connection errors for up to 30 s, so anything shorter would end a live condition.
    /// </summary>
    public TimeSpan ConditionQuietAfter { get; init; } = TimeSpan.FromSeconds(35);

    /// <summary>While brokers are unreachable, how often the loop asks for metadata to learn they are back.</summary>
    public TimeSpan BrokerProbeInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the loop waits for its first assignment before saying it is waiting for the group.</summary>
    public TimeSpan JoinWarningAfter { get; init; } = TimeSpan.FromSeconds(30);
}
