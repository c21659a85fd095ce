using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;

namespace StreamHeal.Telemetry;

/// <summary>Every log message of the pipeline, with fixed event ids so alerts can match on them.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Partitions assigned: {Partitions}")]
    public static partial void PartitionsAssigned(ILogger logger, string partitions);

    [LoggerMessage(1001, LogLevel.Information, "Partitions revoked: {Partitions}; committed {Committed}")]
    public static partial void PartitionsRevoked(ILogger logger, string partitions, string committed);

    [LoggerMessage(1002, LogLevel.Warning, "Partitions lost (not committed, will be redelivered): {Partitions}")]
    public static partial void PartitionsLost(ILogger logger, string partitions);

    [LoggerMessage(1003, LogLevel.Information, "{TopicPartition} starts at {Offset} ({Source})")]
    public static partial void PartitionStart(ILogger logger, TopicPartition topicPartition, long offset, string source);

    [LoggerMessage(1010, LogLevel.Error, "Offset reset on {TopicPartition}: offset {Requested} is no longer on the broker; records [{From}, {To}) are skipped and lost to this pipeline (kafka.startFrom={StartFrom})")]
    public static partial void OffsetResetSkipped(ILogger logger, TopicPartition topicPartition, long requested, long from, long to, StartFrom startFrom);

    [LoggerMessage(1019, LogLevel.Error, "Offset reset on {TopicPartition}: offset {Requested} is past the end of the log ({High}); restarting at {Target} (kafka.startFrom={StartFrom}); nothing is skipped, records from {Target} on may be processed again")]
    public static partial void OffsetResetBack(ILogger logger, TopicPartition topicPartition, long requested, long high, long target, StartFrom startFrom);

    [LoggerMessage(1011, LogLevel.Warning, "Kafka error {Code}: {Reason}")]
    public static partial void KafkaError(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(1012, LogLevel.Critical, "Fatal Kafka error {Code}: {Reason}. The service stops.")]
    public static partial void KafkaFatal(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(1013, LogLevel.Error, "Consume failed at {Position}: {Reason}")]
    public static partial void ConsumeFailed(ILogger logger, string position, string reason, Exception exception);

    [LoggerMessage(1014, LogLevel.Information, "Backpressure: paused {Count} partitions (in flight {Records} records, {Bytes} bytes)")]
    public static partial void Paused(ILogger logger, int count, long records, long bytes);

    [LoggerMessage(1015, LogLevel.Information, "Backpressure released: resumed {Count} partitions")]
    public static partial void Resumed(ILogger logger, int count);

    [LoggerMessage(1016, LogLevel.Warning, "Commit on {Reason} failed, retrying: {Error}")]
    public static partial void CommitRetry(ILogger logger, string reason, string error);

    [LoggerMessage(1017, LogLevel.Error, "Commit on {Reason} gave up: {Error}; the uncommitted range will be redelivered")]
    public static partial void CommitFailed(ILogger logger, string reason, string error);

    [LoggerMessage(1018, LogLevel.Warning, "Revoke of {Partitions} timed out with {Pending} records in flight; they will be redelivered to the next owner")]
    public static partial void RevokeTimedOut(ILogger logger, string partitions, int pending);

    [LoggerMessage(1020, LogLevel.Warning, "Sink {Sink} unavailable for table {Table} (attempt {Attempt}, next in {Delay}): {Error}")]
    public static partial void SinkUnavailable(ILogger logger, string sink, string table, int attempt, TimeSpan delay, string error);

    [LoggerMessage(1021, LogLevel.Information, "Table {Table} is ready with {Count} user columns (schema version {Version})")]
    public static partial void TableReady(ILogger logger, string table, int count, long version);

    [LoggerMessage(1023, LogLevel.Information, "Table {Table} holds rows of {Topic} up to (next offset per partition): {Positions}")]
    public static partial void SinkPositions(ILogger logger, string table, string topic, string positions);

    [LoggerMessage(1022, LogLevel.Warning, "Table {Table}: field {Field} {Reason} (expected {Expected}, got {Actual}); schema.policy={Policy} (logged once, counted always)")]
    public static partial void FieldQuarantined(ILogger logger, string table, string field, string reason, string? expected, string? actual, CompatFilter.SchemaViolationPolicy policy);

    [LoggerMessage(1024, LogLevel.Warning, "Schema Registry unavailable for a writer schema (attempt {Attempt}, next in {Delay}): {Error}; Avro records wait")]
    public static partial void RegistryUnavailable(ILogger logger, int attempt, TimeSpan delay, string error);

    [LoggerMessage(1030, LogLevel.Warning, "DLQ send to {Topic} failed (attempt {Attempt}, next in {Delay}): {Error}")]
    public static partial void DeadLetterRetry(ILogger logger, string topic, int attempt, TimeSpan delay, string error);

    [LoggerMessage(1031, LogLevel.Warning, "Record {Position} dead-lettered to {Topic}: {Type}: {Message}")]
    public static partial void DeadLettered(ILogger logger, string position, string topic, string type, string message);

    [LoggerMessage(1032, LogLevel.Warning, "Record {Position} is {Size} bytes, over the DLQ limit; its value was truncated to {Kept} bytes")]
    public static partial void DeadLetterTruncated(ILogger logger, string position, int size, int kept);

    [LoggerMessage(1040, LogLevel.Information, "Draining: {Records} records in flight")]
    public static partial void Draining(ILogger logger, long records);

    [LoggerMessage(1041, LogLevel.Warning, "Drain timed out with {Records} records in flight; they will be redelivered")]
    public static partial void DrainTimedOut(ILogger logger, long records);

    [LoggerMessage(1042, LogLevel.Information, "Stopped: committed {Committed}")]
    public static partial void Stopped(ILogger logger, string committed);

    [LoggerMessage(1043, LogLevel.Critical, "Pipeline failed: {Reason}")]
    public static partial void PipelineFailed(ILogger logger, string reason, Exception exception);
}
