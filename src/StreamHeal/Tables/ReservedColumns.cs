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

    /// <summary>The slot a column of this name is filled from, <see cref="ColumnSlot.User"/> for any other name; case-insensitive.</summary>
    internal static ColumnSlot SlotOf(string column) => column.ToLowerInvariant() switch
    {
        KafkaTopic => ColumnSlot.Topic,
        KafkaPartition => ColumnSlot.Partition,
        KafkaOffset => ColumnSlot.Offset,
        KafkaTimestamp => ColumnSlot.KafkaTimestamp,
        IngestedAt => ColumnSlot.IngestedAt,
        Quarantine => ColumnSlot.Quarantine,
        _ => ColumnSlot.User,
    };
}
