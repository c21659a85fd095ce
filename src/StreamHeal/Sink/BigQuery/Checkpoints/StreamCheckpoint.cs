using System.Text.Json;
using System.Text.Json.Serialization;

namespace StreamHeal.Sink.BigQuery.Checkpoints;

/// <summary>
/// Where one (table, Kafka partition) stands in BigQuery: rows up to <see cref="NextRow"/> of <see cref="Stream"/> hold
/// the partition's rows below Kafka offset <see cref="NextKafka"/>. <see cref="Rejected"/> lists the offsets BigQuery
/// refused (row errors) whose records were not all done when it was written: a replay must dead-letter them again
/// rather than count them as written, and must leave them out of the rows it resends, or the row offsets would no longer
/// line up.
/// <para>
/// <see cref="Epoch"/> fences owners: each member that takes the partition over writes the next epoch, readers take
/// the highest, and a member that sees a higher epoch than its own has lost the partition (0: written before epochs).
/// <see cref="Stream"/> is empty in a claim made before any stream existed.
/// </para>
/// </summary>
public sealed record StreamCheckpoint(string Stream, long NextRow, long NextKafka, IReadOnlyList<long> Rejected, long Epoch = 0)
{
    /// <summary>
    /// How many refused offsets a partition may hold before its writes wait. An offset is kept until every record
    /// below it is done, so a replay never counts a refused row as written before its dead letter was acknowledged;
    /// the bound keeps the checkpoint record small (one batch more may be refused past it).
    /// </summary>
    public const int MaxRejected = 10_000;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, CheckpointJsonContext.Default.StreamCheckpoint);

    /// <exception cref="JsonException">Not a checkpoint.</exception>
    public static StreamCheckpoint Parse(ReadOnlySpan<byte> json)
    {
        var checkpoint = JsonSerializer.Deserialize(json, CheckpointJsonContext.Default.StreamCheckpoint);
        // Missing properties deserialize as null: a record without its stream or rejected list is no checkpoint either.
        return checkpoint is { Stream: not null, Rejected: not null }
            ? checkpoint
            : throw new JsonException("The checkpoint lacks its stream or its rejected offsets.");
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StreamCheckpoint))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
