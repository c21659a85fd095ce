using Confluent.Kafka;

namespace StreamHeal.Poll;

/// <summary>What <see cref="OffsetResetHandler.TryReset"/> did with an offset-reset error.</summary>
internal enum ResetOutcome
{
    /// <summary>Nothing: the error was not about a partition this loop owns.</summary>
    None,

    /// <summary>The partition was reset (or set again at the position an earlier reset chose); the assignment was set again.</summary>
    Reassigned,

    /// <summary>The broker still holds the offset: no reset, the assignment was set again where the loop left the partition.</summary>
    StillHeld,

    /// <summary>The partition's watermarks could not be read: the partition stays stopped and the reset is asked for again.</summary>
    Deferred,
}

/// <summary>The outcome of one offset-reset error: the partition, the error the consumer reported and why a deferred reset failed.</summary>
internal readonly record struct ResetResult(TopicPartition? Partition, ResetOutcome Outcome, Error Reported, Error? Failure = null);
