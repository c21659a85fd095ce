using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Kafka;

/// <summary>Where to read from. Bound from the <c>kafka</c> configuration section.</summary>
public sealed class KafkaOptions : IValidatableObject
{
    public const string SectionName = "kafka";
    public const int DefaultSessionTimeoutMs = 10_000;
    public const int DefaultAutoCommitIntervalMs = 1_000;
    public static readonly TimeSpan DefaultFatalAfter = TimeSpan.FromMinutes(5);

    /// <summary>Comma-separated <c>host:port</c> list. Required.</summary>
    [Required(ErrorMessage = "kafka.bootstrapServers is required (e.g. localhost:9092).")]
    public string BootstrapServers { get; set; } = "";

    /// <summary>Consumer group id. Default <c>streamheal</c>.</summary>
    [Required]
    public string GroupId { get; set; } = "streamheal";

    /// <summary>Topics to ingest; each goes to a table of the same (sanitised) name. Required, at least one.</summary>
    public List<string> Topics { get; set; } = [];

    /// <summary>
    /// Where a partition with no committed offset starts, and where consumption resumes when a committed
    /// offset is no longer on the broker (the skipped range is logged and counted). Default <see cref="StartFrom.Earliest"/>.
    /// </summary>
    public StartFrom StartFrom { get; set; } = StartFrom.Earliest;

    /// <summary>Consumer group session timeout in milliseconds; it also bounds how long a rebalance takes. Default 10,000.</summary>
    [Range(3_000, 300_000)]
    public int SessionTimeoutMs { get; set; } = DefaultSessionTimeoutMs;

    /// <summary>How often stored offsets are committed, in milliseconds. Default 1,000.</summary>
    [Range(100, 60_000)]
    public int AutoCommitIntervalMs { get; set; } = DefaultAutoCommitIntervalMs;

    /// <summary>
    /// How long a Kafka condition (an authorization failure, an unknown topic, unreachable brokers, a partition without a
    /// leader ...) may last before the service stops with exit code 1 and a message naming the topic and the fix. Until
    /// then it is logged, counted and shown as DEGRADED while librdkafka keeps retrying. Default 5 minutes.
    /// </summary>
    public TimeSpan FatalAfter { get; set; } = DefaultFatalAfter;

    /// <summary>
    /// Extra librdkafka properties passed through to the consumer and the DLQ producer (TLS, SASL, client.id ...).
    /// The commit settings StreamHeal depends on are refused here.
    /// </summary>
    public Dictionary<string, string> Properties { get; set; } = new(StringComparer.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Topics.Count == 0 || Topics.Exists(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("kafka.topics must list at least one topic and no empty names.", [nameof(Topics)]);
        }

        foreach (var topic in Topics)
        {
            if (!string.IsNullOrWhiteSpace(topic) && TopicNames.Problem(topic) is { } problem)
            {
                yield return new ValidationResult($"kafka.topics: '{topic}' is not a Kafka topic name: {problem}.", [nameof(Topics)]);
            }
        }

        if (FatalAfter < TimeSpan.FromSeconds(10))
        {
            yield return new ValidationResult(
                $"kafka.fatalAfter must be at least 00:00:10 (got {FatalAfter}): shorter would stop the service on a broker restart.",
                [nameof(FatalAfter)]);
        }

        foreach (var key in Properties.Keys)
        {
            if (KafkaConfigBuilder.IsLocked(key))
            {
                yield return new ValidationResult(
                    $"kafka.properties.{key} cannot be set: StreamHeal owns it to commit only what the sink confirmed.",
                    [nameof(Properties)]);
            }
        }
    }
}

public enum StartFrom
{
    Earliest,
    Latest,
}
