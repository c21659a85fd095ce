using System.Diagnostics;
using System.Threading.Tasks.Dataflow;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;
using StreamHeal.Records;
using StreamHeal.Retry;
using StreamHeal.Telemetry;
using StreamHeal.Flow;

namespace StreamHeal.DeadLetter;

/// <summary>
/// The DLQ block: sends each failed record to its DLQ topic and completes it only after the broker acknowledged it.
/// A DLQ broker that is down is a dependency outage: the send retries without limit and the record keeps its slot.
/// </summary>
internal static class DeadLetterStage
{
    public static ActionBlock<IngestRecord> Create(
        IProducer<byte[]?, byte[]?> producer,
        DeadLetterOptions options,
        DeadLetterMessageBuilder builder,
        DependencyRetry retry,
        RecordCompletion completion,
        PipelineMetrics metrics,
        ILogger logger,
        int parallelism,
        int capacity,
        CancellationToken cancellationToken,
        FatalErrorWatch? fatal = null)
    {
        return new ActionBlock<IngestRecord>(
            async record =>
            {
                var started = Stopwatch.GetTimestamp();
                var topic = options.TopicFor(record.Topic);
                var limit = options.MaxMessageBytes;
                var message = builder.Build(record, limit);
                var restamped = false;
                while (true)
                {
                    try
                    {
                        await retry.ExecuteAsync(
                            static async (state, ct) => await state.producer.ProduceAsync(state.topic, state.message, ct),
                            (producer, topic, message),
                            cancellationToken);
                        break;
                    }
                    catch (ProduceException<byte[]?, byte[]?> e) when (KafkaErrors.Classify(e.Error) == KafkaErrorAction.Restamp && !restamped)
                    {
                        // Retrying the record's own time would be refused for ever and hold its offset; its header keeps it.
                        restamped = true;
                        message.Timestamp = Timestamp.Default;
                        Log.DeadLetterRestamped(logger, record.ToString(), topic, e.Error.Reason);
                    }
                    catch (ProduceException<byte[]?, byte[]?> e) when (KafkaErrors.Classify(e.Error) is KafkaErrorAction.Permanent or KafkaErrorAction.Fatal or KafkaErrorAction.Restamp)
                    {
                        // Faults the DLQ block and with it the pipeline: waiting cannot fix an ACL, a missing topic, a
                        // topic that refuses the record itself or a producer that failed for good.
                        var cause = fatal?.Explain(e.Error) ?? e.Error;
                        throw new DeadLetterUnavailableException(topic, cause.Reason, e, Remedy(cause));
                    }
                    catch (ProduceException<byte[]?, byte[]?> e) when (KafkaErrors.Classify(e.Error) == KafkaErrorAction.Shrink && limit > 4_096)
                    {
                        limit /= 2;
                        message = builder.Build(record, limit);
                        if (restamped)
                        {
                            message.Timestamp = Timestamp.Default;
                        }

                        Log.DeadLetterTruncated(logger, record.ToString(), record.Value?.Length ?? 0, message.Value?.Length ?? 0);
                    }
                }

                Log.DeadLettered(logger, record.ToString(), topic, record.Failure!.Type, record.Failure.Message);
                metrics.RecordDeadLettered(record.Topic, record.Failure.Type, record.Failure.Stage, Stopwatch.GetElapsedTime(started));
                completion.Complete(record);
            },
            BlockOptions.Unordered(capacity, parallelism, cancellationToken));
    }

    /// <summary>
    /// What to do about a refusal for good: of the record itself, of the producer's id, or by a producer that failed for
    /// good; null for the default (create the topic or fix its ACLs).
    /// </summary>
    internal static string? Remedy(Error error) => error.Code switch
    {
        ErrorCode.ClusterAuthorizationFailed =>
            "The DLQ producer is idempotent: grant this client's principal IdempotentWrite on the cluster (brokers before Kafka 3.0 require it).",
        _ when KafkaErrors.Classify(error) == KafkaErrorAction.Fatal =>
            "The DLQ producer failed for good; the service stops without committing past the record, and a restart starts a new producer.",
        ErrorCode.InvalidRecord => "A compacted topic refuses records without a key: give the DLQ topic cleanup.policy=delete, or set dlq.topicTemplate.",
        ErrorCode.InvalidTimestamp => "It refused the dead letter stamped with the current time too: check this host's clock against the brokers' and the topic's message.timestamp.after.max.ms.",
        ErrorCode.PolicyViolation => "A broker-side policy refuses these records: have it allow them on the DLQ topic, or set dlq.topicTemplate.",
        ErrorCode.UnsupportedForMessageFormat or ErrorCode.InvalidRequiredAcks => "Check the DLQ topic's message format and min.insync.replicas against kafka.properties.",
        _ => null,
    };
}
