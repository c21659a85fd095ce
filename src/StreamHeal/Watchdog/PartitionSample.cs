namespace StreamHeal.Watchdog;

/// <summary>
/// One assigned partition at one lag check. <paramref name="Committable"/> is the offset the pipeline would commit
/// (−1 before the first record of the assignment finished); <paramref name="Lag"/> counts every record not yet
/// committed (unread and in flight). <paramref name="Finished"/> counts the records of the partition's topic written or
/// dead-lettered so far: when it moves, the topic is being worked on, however slowly.
/// </summary>
public readonly record struct PartitionSample(string Topic, int Partition, long Committable, long Lag, long Finished);

/// <summary>A partition the detector judged stalled: lag, and no committed progress for <paramref name="StuckFor"/>.</summary>
public readonly record struct Stall(string Topic, int Partition, long Lag, TimeSpan StuckFor, DateTimeOffset Since);
