namespace StreamHeal.Tables;

/// <summary>What a sink column is filled from: a user field, or one of StreamHeal's own values (<see cref="ReservedColumns"/>).</summary>
internal enum ColumnSlot : byte
{
    User,
    Topic,
    Partition,
    Offset,
    KafkaTimestamp,
    IngestedAt,
    Quarantine,

    /// <summary>A column StreamHeal cannot map to a logical type (a table created outside StreamHeal); always null.</summary>
    Unmapped,
}
