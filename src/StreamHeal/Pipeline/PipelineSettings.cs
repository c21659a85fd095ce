using StreamHeal.Batch;
using StreamHeal.CompatFilter;
using StreamHeal.DeadLetter;
using StreamHeal.Decode;
using StreamHeal.Kafka;
using StreamHeal.Retry;
using StreamHeal.Records;

namespace StreamHeal.Pipeline;

/// <summary>Every validated options object the pipeline needs, in one value.</summary>
public sealed record PipelineSettings(
    KafkaOptions Kafka,
    PipelineOptions Pipeline,
    DecodeOptions Decode,
    FlattenOptions Flatten,
    CompatFilterOptions Schema,
    BatchOptions Batch,
    RetryOptions Retry,
    DeadLetterOptions DeadLetter);
