using System.Diagnostics.CodeAnalysis;
using StreamHeal.Tables;

namespace StreamHeal.Dev.BigQuery;

/// <summary>
/// What a fake that keeps no row values (<see cref="FakeBigQueryOptions.KeepRowValues"/> false) keeps of a row: its
/// <c>_kafka_partition</c> and <c>_kafka_offset</c>, the columns a run's verdict reads back, as the decoded row had them.
/// </summary>
internal sealed class FakeRowPosition(object? partition, object? offset) : IReadOnlyDictionary<string, object?>
{
    public static FakeRowPosition Of(IReadOnlyDictionary<string, object?> row) =>
        new(row.GetValueOrDefault(ReservedColumns.KafkaPartition), row.GetValueOrDefault(ReservedColumns.KafkaOffset));

    public int Count => 2;

    public IEnumerable<string> Keys => [ReservedColumns.KafkaPartition, ReservedColumns.KafkaOffset];

    public IEnumerable<object?> Values => [partition, offset];

    public object? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The fake kept no values but the row's position; '{key}' is not one of them.");

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (string.Equals(key, ReservedColumns.KafkaPartition, StringComparison.OrdinalIgnoreCase))
        {
            value = partition;
            return true;
        }

        if (string.Equals(key, ReservedColumns.KafkaOffset, StringComparison.OrdinalIgnoreCase))
        {
            value = offset;
            return true;
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return new(ReservedColumns.KafkaPartition, partition);
        yield return new(ReservedColumns.KafkaOffset, offset);
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
