using Confluent.Kafka;
using StreamHeal.Records;

namespace StreamHeal.Poll;

/// <summary>
/// Copies each Kafka value into an array from the <see cref="ValuePool"/> instead of a new one, as the client's own byte
/// array deserializer would otherwise do; null stays null (a tombstone). Runs on the poll thread, inside Consume.
/// </summary>
internal sealed class PooledValueDeserializer(ValuePool pool) : IDeserializer<byte[]?>
{
    public byte[]? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => isNull ? null : pool.Copy(data);
}
