using System.ComponentModel.DataAnnotations;

namespace StreamHeal.DeadLetter;

/// <summary>Bound from the <c>dlq</c> section.</summary>
public sealed class DeadLetterOptions : IValidatableObject
{
    public const string SectionName = "dlq";
    public const string DefaultTopicTemplate = "{topic}.dlq";
    public const int DefaultMaxMessageBytes = 1_000_000;

    /// <summary>DLQ topic name; <c>{topic}</c> is replaced by the source topic. Default <c>{topic}.dlq</c>.</summary>
    [Required]
    public string TopicTemplate { get; set; } = DefaultTopicTemplate;

    /// <summary>
    /// Largest DLQ record in bytes (key, value and headers); larger originals are truncated and carry their
    /// original size and SHA-256. Keep at or below the DLQ topic's <c>max.message.bytes</c>. Default 1,000,000.
    /// </summary>
    [Range(4_096, 100_000_000)]
    public int MaxMessageBytes { get; set; } = DefaultMaxMessageBytes;

    /// <summary>How long the start-up check waits for the DLQ topic to accept a produce. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan StartupCheckTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public string TopicFor(string sourceTopic) => TopicTemplate.Replace("{topic}", sourceTopic, StringComparison.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TopicTemplate.Contains("{topic}", StringComparison.Ordinal) && TopicTemplate.Length == 0)
        {
            yield return new ValidationResult("dlq.topicTemplate must not be empty.", [nameof(TopicTemplate)]);
        }
    }
}
