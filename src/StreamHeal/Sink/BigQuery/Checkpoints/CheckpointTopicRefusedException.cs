namespace StreamHeal.Sink.BigQuery.Checkpoints;

/// <summary>
/// The exactly-once checkpoint topic refuses writes for good (an ACL, a policy, a deleted topic) or its producer failed
/// for good. Not a <see cref="SinkUnavailableException"/>: retrying would hold the table's offsets for ever.
/// </summary>
public sealed class CheckpointTopicRefusedException(string message, Exception inner) : Exception(message, inner);
