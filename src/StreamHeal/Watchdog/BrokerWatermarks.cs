using Confluent.Kafka;
using Confluent.Kafka.Admin;
using StreamHeal.Kafka;

namespace StreamHeal.Watchdog;

/// <summary>
/// Watermarks read from the partition leaders by a client of its own. The consumer's cached watermarks only move
/// with its fetches, so a consumer that stopped receiving would also stop seeing the lag it accumulates, and one that
/// never fetched a partition knows neither of its watermarks; and a request on its connections would queue behind the
/// fetch that does not return.
/// </summary>
public sealed class BrokerWatermarks : IDisposable
{
    private readonly IAdminClient _admin;
    private readonly TimeSpan _timeout;
    private readonly IsolationLevel _isolation;

    public BrokerWatermarks(KafkaOptions kafka, TimeSpan timeout)
    {
        _timeout = timeout;
        // The end the consumer can read to: under read_committed (librdkafka's default) the last stable offset, so
        // the records of a transaction still open are not counted as lag the consumer could take, nor as a stall.
        _isolation = kafka.Properties.TryGetValue("isolation.level", out var level) && string.Equals(level, "read_uncommitted", StringComparison.OrdinalIgnoreCase)
            ? IsolationLevel.ReadUncommitted
            : IsolationLevel.ReadCommitted;
        _admin = new AdminClientBuilder(new AdminClientConfig(KafkaConfigBuilder.SharedClientProperties(kafka.Properties)) { BootstrapServers = kafka.BootstrapServers })
            .SetLogHandler(static (_, _) => { })
            .Build();
    }

    /// <summary>
    /// The high watermark (or log start offset) of each partition whose leader answered; throws
    /// <see cref="KafkaException"/> when none could be asked.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string Topic, int Partition), long>> QueryAsync(
        IReadOnlyList<(string Topic, int Partition)> partitions, BrokerOffset which = BrokerOffset.High)
    {
        var spec = which == BrokerOffset.LogStart ? OffsetSpec.Earliest() : OffsetSpec.Latest();
        var specs = partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(p.Topic, p.Partition), OffsetSpec = spec });
        ListOffsetsResult result;
        try
        {
            result = await _admin.ListOffsetsAsync(specs, new ListOffsetsOptions { RequestTimeout = _timeout, IsolationLevel = _isolation }).ConfigureAwait(false);
        }
        catch (ListOffsetsException e)
        {
            // Some partitions failed (a leader is down): the others are still good readings.
            return Collect(e.Result.ResultInfos);
        }

        return Collect(result.ResultInfos);
    }

    private static Dictionary<(string, int), long> Collect(IEnumerable<ListOffsetsResultInfo> infos)
    {
        var highs = new Dictionary<(string, int), long>();
        foreach (var info in infos)
        {
            var p = info.TopicPartitionOffsetError;
            if (!p.Error.IsError && p.Offset.Value >= 0)
            {
                highs[(p.Topic, p.Partition.Value)] = p.Offset.Value;
            }
        }

        return highs;
    }

    public void Dispose() => _admin.Dispose();
}

/// <summary>Which offset of a partition <see cref="BrokerWatermarks.QueryAsync"/> asks its leader for.</summary>
public enum BrokerOffset
{
    /// <summary>The next offset to be written.</summary>
    High,

    /// <summary>The first offset still in the log (what "from the beginning" means).</summary>
    LogStart,
}
