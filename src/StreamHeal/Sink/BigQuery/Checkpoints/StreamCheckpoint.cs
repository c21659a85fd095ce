using System.Text.Json;
using System.Text.Json.Serialization;

namespace StreamHeal.Sink.BigQuery.Checkpoints;

/// <summary>
/// Where one (table, Kafka partition) stands in BigQuery: rows up to <see cref="NextRow"/> of <see cref="Stream"/> hold
/// the partition's rows below Kafka offset <see cref="NextKafka"/>. <see cref="Rejected"/> lists recent offsets BigQuery
/// refused (row errors): a replay must dead-letter them again rather than count them as written, and must leave them
/// out of the rows it resends, or the row offsets would no longer line up.
/// </summary>
public sealed record StreamCheckpoint(string Stream, long NextRow, long NextKafka, IReadOnlyList<long> Rejected)
{
    /// <summary>How many rejected offsets a checkpoint keeps; older ones are far behind any replay.</summary>
    public const int MaxRejected = 1000;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, CheckpointJsonContext.Default.StreamCheckpoint);

    public static StreamCheckpoint? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, CheckpointJsonContext.Default.StreamCheckpoint);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StreamCheckpoint))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
