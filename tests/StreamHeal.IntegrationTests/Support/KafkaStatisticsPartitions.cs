using System.Globalization;
using System.Text.Json;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>One partition as librdkafka's statistics JSON reports it (offsets are −1001 until known).</summary>
public sealed record KafkaStatisticsPartition(int Partition, string FetchState, long NextOffset, long AppOffset, long StoredOffset, long CommittedOffset)
{
    /// <summary>The topic's real partitions in a statistics document (not librdkafka's internal −1); empty when the topic is not there yet.</summary>
    public static IReadOnlyList<KafkaStatisticsPartition> Of(string? statistics, string topic)
    {
        if (statistics is null)
        {
            return [];
        }

        using var json = JsonDocument.Parse(statistics);
        if (!json.RootElement.GetProperty("topics").TryGetProperty(topic, out var found))
        {
            return [];
        }

        var partitions = new List<KafkaStatisticsPartition>();
        foreach (var p in found.GetProperty("partitions").EnumerateObject())
        {
            var id = int.Parse(p.Name, CultureInfo.InvariantCulture);
            if (id >= 0)
            {
                partitions.Add(new KafkaStatisticsPartition(
                    id,
                    p.Value.GetProperty("fetch_state").GetString() ?? "",
                    p.Value.GetProperty("next_offset").GetInt64(),
                    p.Value.GetProperty("app_offset").GetInt64(),
                    p.Value.GetProperty("stored_offset").GetInt64(),
                    p.Value.GetProperty("committed_offset").GetInt64()));
            }
        }

        return partitions;
    }
}
