namespace StreamHeal.Watchdog;

/// <summary>
/// One assigned partition at one lag check. <paramref name="Committable"/> is the offset the pipeline would commit
/// (−1 before the first record of the assignment finished); <paramref name="Lag"/> counts every record not yet
/// committed (unread and in flight). <paramref name="Finished"/> counts the records of the partition's topic written or
/// dead-lettered so far: when it moves, the topic is being worked on, however slowly. <paramref name="Position"/> is the
/// next offset the poll loop reads (−1 while unknown), <paramref name="Unread"/> the records from there to the high
/// watermark, and <paramref name="Paused"/> whether the loop holds the partition back (budget or a held topic).
/// </summary>
public readonly record struct PartitionSample(
    string Topic, int Partition, long Committable, long Lag, long Finished, long Position = -1, long Unread = 0, bool Paused = false);

/// <summary>
/// A partition the detector judged stalled: lag, and no committed progress for <paramref name="StuckFor"/>.
/// <paramref name="Starved"/>: other partitions were being read (of any topic), but this one was not.
/// </summary>
public readonly record struct Stall(string Topic, int Partition, long Lag, TimeSpan StuckFor, DateTimeOffset Since, bool Starved = false);
