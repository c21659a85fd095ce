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

    // A TopicPartition is written by KafkaText (events[0]); its own ToString() gives "events [[0]]".
    public static void OffsetResetSkipped(ILogger logger, TopicPartition topicPartition, long requested, long from, long to, StartFrom startFrom) =>
        OffsetResetSkipped(logger, KafkaText.Of(topicPartition), requested, from, to, startFrom);

    public static void OffsetResetBack(ILogger logger, TopicPartition topicPartition, long requested, long high, long target, StartFrom startFrom) =>
        OffsetResetBack(logger, KafkaText.Of(topicPartition), requested, high, target, startFrom);

    [LoggerMessage(1010, LogLevel.Error, "Offset reset on {TopicPartition}: offset {Requested} is no longer on the broker; records [{From}, {To}) are skipped and lost to this pipeline (kafka.startFrom={StartFrom})")]
    private static partial void OffsetResetSkipped(ILogger logger, string topicPartition, long requested, long from, long to, StartFrom startFrom);

    [LoggerMessage(1019, LogLevel.Error, "Offset reset on {TopicPartition}: offset {Requested} is past the end of the log ({High}); restarting at {Target} (kafka.startFrom={StartFrom}); nothing is skipped, records from {Target} on may be processed again")]
    private static partial void OffsetResetBack(ILogger logger, string topicPartition, long requested, long high, long target, StartFrom startFrom);

    public static void OffsetResetRepeated(ILogger logger, TopicPartition topicPartition, long requested, long next) =>
        OffsetResetRepeated(logger, KafkaText.Of(topicPartition), requested, next);

    [LoggerMessage(1072, LogLevel.Information, "Offset reset on {TopicPartition}: offset {Requested} reported gone again after the partition was restarted at {Next}; the assignment is set again there (not a new reset)")]
    private static partial void OffsetResetRepeated(ILogger logger, string topicPartition, long requested, long next);

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

    [LoggerMessage(1033, LogLevel.Warning, "DLQ topic {Topic} refused record {Position} with its own timestamp ({Reason}); sent with the current time, the original is in its header")]
    public static partial void DeadLetterRestamped(ILogger logger, string position, string topic, string reason);

    [LoggerMessage(1040, LogLevel.Information, "Draining: {Records} records in flight")]
    public static partial void Draining(ILogger logger, long records);

    [LoggerMessage(1041, LogLevel.Warning, "Drain timed out with {Records} records in flight; they will be redelivered")]
    public static partial void DrainTimedOut(ILogger logger, long records);

    [LoggerMessage(1042, LogLevel.Information, "Stopped: committed {Committed}")]
    public static partial void Stopped(ILogger logger, string committed);

    [LoggerMessage(1070, LogLevel.Warning, "Consumer handed over to a new one (watchdog): stored {Stored}; leaving the group")]
    public static partial void ConsumerHandedOver(ILogger logger, string stored);

    [LoggerMessage(1071, LogLevel.Warning, "Starting a new Kafka consumer on the running pipeline (watchdog); it resumes from the committed offsets")]
    public static partial void ConsumerRecreated(ILogger logger);

    [LoggerMessage(1043, LogLevel.Critical, "Pipeline failed: {Reason}")]
    public static partial void PipelineFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(1200, LogLevel.Information, "BigQuery table {Table}: added columns {Columns}")]
    public static partial void BigQueryColumnsAdded(ILogger logger, string table, string columns);

    [LoggerMessage(1201, LogLevel.Information, "BigQuery table {Table}: holding rows until its write streams report the new columns {Columns}")]
    public static partial void BigQueryHoldingForSchema(ILogger logger, string table, string columns);

    [LoggerMessage(1202, LogLevel.Information, "BigQuery table {Table}: new columns visible after {Seconds:0.0} s; rows flow again")]
    public static partial void BigQuerySchemaVisible(ILogger logger, string table, double seconds);

    [LoggerMessage(1203, LogLevel.Critical, "BigQuery table {Table} (topic {Topic}) stopped, its partitions are paused and nothing past the last written row is committed: {Reason}")]
    public static partial void BigQueryTableStopped(ILogger logger, string table, string topic, string reason);

    [LoggerMessage(1204, LogLevel.Information, "BigQuery table {Table} partition {Partition}: resuming on stream {Stream} at row {NextRow}, Kafka offset {NextKafka}")]
    public static partial void BigQueryPartitionResumed(ILogger logger, string table, int partition, string stream, long nextRow, long nextKafka);

    [LoggerMessage(1205, LogLevel.Information, "BigQuery table {Table} partition {Partition}: replay found the stream end at row {End}; skipped {Skipped} rows already written, appended {Appended}")]
    public static partial void BigQueryStreamEndFound(ILogger logger, string table, int partition, long end, int skipped, int appended);

    [LoggerMessage(1206, LogLevel.Error, "EXACTLY-ONCE LOST: BigQuery table {Table} partition {Partition}: stream {Stream} cannot be continued ({Reason}); rows from Kafka offset {FromOffset} go to a new stream and may duplicate rows the old stream already held")]
    public static partial void BigQueryGuaranteeLost(ILogger logger, string table, int partition, string stream, long fromOffset, string reason);

    [LoggerMessage(1207, LogLevel.Warning, "BigQuery table {Table} partition {Partition}: stream {Stream} is finalized with {RowCount} rows; continuing on a new stream")]
    public static partial void BigQueryStreamFinalized(ILogger logger, string table, int partition, string stream, long rowCount);

    [LoggerMessage(1600, LogLevel.Error, "EXACTLY-ONCE LOST: BigQuery table {Table} partition {Partition}: the latest exactly-once checkpoint cannot be read ({Reason}); where its stream stands is unknown, so rows from the committed Kafka offset go to a new stream and may duplicate rows already written")]
    public static partial void BigQueryCheckpointUnreadable(ILogger logger, string table, int partition, string reason);

    [LoggerMessage(1601, LogLevel.Warning, "BigQuery table {Table} partition {Partition}: given up, another member owns it now ({Reason}); this member writes nothing more for it until it is assigned here again")]
    public static partial void BigQueryPartitionFenced(ILogger logger, string table, int partition, string reason);

    [LoggerMessage(1044, LogLevel.Information, "Paused {Partitions}: their table is held by the sink")]
    public static partial void TopicHeld(ILogger logger, string partitions);

    [LoggerMessage(1045, LogLevel.Information, "Resumed {Partitions}: their table is no longer held")]
    public static partial void TopicReleased(ILogger logger, string partitions);

    [LoggerMessage(1046, LogLevel.Error, "Stages did not stop within {Seconds} s of cancellation; exiting anyway (uncommitted records are redelivered): {Stages}")]
    public static partial void StopTimedOut(ILogger logger, double seconds, string stages);

    [LoggerMessage(1047, LogLevel.Error, "The Kafka consumer did not close within {Seconds} s; left behind (committed offsets stand, the group drops this member after its session timeout)")]
    public static partial void CloseTimedOut(ILogger logger, double seconds);

    [LoggerMessage(1050, LogLevel.Warning, "Kafka condition {Code} on {Where}: {Reason}. Nothing is committed past it and librdkafka keeps retrying; the service stops if it lasts {FatalAfter} (kafka.fatalAfter)")]
    public static partial void KafkaConditionStarted(ILogger logger, ErrorCode code, string where, string reason, TimeSpan fatalAfter);

    [LoggerMessage(1051, LogLevel.Information, "Kafka condition {Code} on {Where} cleared after {Seconds:0.0} s ({Reports} reports): {Why}")]
    public static partial void KafkaConditionCleared(ILogger logger, ErrorCode code, string where, double seconds, long reports, string why);

    [LoggerMessage(1052, LogLevel.Critical, "Kafka condition {Code} on {Where} lasted {Seconds:0} s, past kafka.fatalAfter: {Reason}. To fix it, {Remedy}. The service stops; nothing was committed past an unread record")]
    public static partial void KafkaConditionFatal(ILogger logger, ErrorCode code, string where, double seconds, string reason, string remedy);

    [LoggerMessage(1053, LogLevel.Warning, "Still waiting to join consumer group {Group} for {Topics} after {Seconds:0} s (brokers {Brokers}); no partitions are assigned yet")]
    public static partial void WaitingForGroup(ILogger logger, string group, string topics, double seconds, string brokers);

    [LoggerMessage(1054, LogLevel.Information, "Joined consumer group {Group} after {Seconds:0.0} s")]
    public static partial void JoinedGroup(ILogger logger, string group, double seconds);

    [LoggerMessage(1055, LogLevel.Information, "{Topic}: {Count} partitions assigned; start positions: {Summary}")]
    public static partial void AssignmentStarts(ILogger logger, string topic, int count, string summary);

    [LoggerMessage(1056, LogLevel.Warning, "Start-up is waiting for DLQ topic {Topic} to acknowledge its probe ({Seconds:0} s so far, gives up after {Timeout:0} s, dlq.startupCheckTimeout): no record is read until it does")]
    public static partial void DeadLetterProbePending(ILogger logger, string topic, double seconds, double timeout);

    [LoggerMessage(1057, LogLevel.Information, "DLQ topic {Topic} acknowledged the start-up probe after {Seconds:0.0} s")]
    public static partial void DeadLetterProbeAcknowledged(ILogger logger, string topic, double seconds);

    [LoggerMessage(1652, LogLevel.Error, "The {Resource} was left undisposed: {Why}. Nothing it held was committed; it is redelivered")]
    public static partial void DisposalAbandoned(ILogger logger, string resource, string why);

    [LoggerMessage(1653, LogLevel.Warning, "Closing the {Resource} failed: {Reason}")]
    public static partial void DisposalFailed(ILogger logger, string resource, string reason, Exception exception);

    [LoggerMessage(1654, LogLevel.Warning, "{Count} DLQ messages were still unacknowledged after flushing for {Seconds} s; their records were not committed and are redelivered")]
    public static partial void DeadLetterUnflushed(ILogger logger, int count, double seconds);
}
