namespace StreamHeal.Tables;

/// <summary>Columns StreamHeal owns in every table; user fields never take these names.</summary>
public static class ReservedColumns
{
    public const string KafkaTopic = "_kafka_topic";
    public const string KafkaPartition = "_kafka_partition";
    public const string KafkaOffset = "_kafka_offset";
    public const string KafkaTimestamp = "_kafka_timestamp";
    public const string IngestedAt = "_ingested_at";
    public const string Quarantine = "_quarantine";
}
