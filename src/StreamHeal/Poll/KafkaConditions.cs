using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Telemetry;

namespace StreamHeal.Poll;

/// <summary>
/// Partition- and broker-level Kafka conditions (authorization, unknown topic, leader changes, brokers down ...):
/// each is logged once when it starts and once when it clears, counted on every report, and makes the pipeline
/// DEGRADED while it lasts. One that lasts past <see cref="PollOptions.FatalAfter"/> is returned by <see cref="Expired"/>
/// so the loop can stop the service. Written on the poll thread (librdkafka runs the error callback there too);
/// <see cref="Active"/> is safe to read from any thread.
/// </summary>
internal sealed class KafkaConditions(PollOptions options, PipelineMetrics metrics, ILogger logger, TimeProvider time)
{
    private readonly Dictionary<(ErrorCode Code, TopicPartition? Partition), Condition> _conditions = [];
    private int _active;

    public int Active => Volatile.Read(ref _active);

    /// <summary>True while every broker is unreachable: only a metadata answer (or a record) shows they are back.</summary>
    public bool BrokersDown { get; private set; }

    /// <summary>Records one report of a condition; only its first report is logged.</summary>
    public void Report(ErrorCode code, string reason, TopicPartition? partition)
    {
        metrics.RecordKafkaCondition();
        var now = time.GetTimestamp();
        if (_conditions.TryGetValue((code, partition), out var condition))
        {
            condition.LastSeen = now;
            condition.Reports++;
            return;
        }

        _conditions[(code, partition)] = new Condition(code, partition, reason, now);
        Publish();
        Log.KafkaConditionStarted(logger, code, Where(partition), reason, options.FatalAfter);
    }

    /// <summary>
    /// A record arrived from <paramref name="partition"/>: its conditions are over, and so are the broker-level ones
    /// except a single broker's connection errors (the other brokers may be serving this record).
    /// </summary>
    public void MessageArrived(TopicPartition partition)
    {
        if (_conditions.Count == 0)
        {
            return;
        }

        ClearWhere(c => c.Partition == partition || (c.Partition is null && c.Code != ErrorCode.Local_Transport), "a record arrived");
    }

    /// <summary>The brokers answered a metadata request: "all brokers down" is over.</summary>
    public void BrokersAnswered() => ClearWhere(static c => c.Code == ErrorCode.Local_AllBrokersDown, "the brokers answer again");

    /// <summary>A partition left this member: what was wrong with it is no longer this member's to report.</summary>
    public void Forget(TopicPartition partition) => ClearWhere(c => c.Partition == partition, "the partition was revoked");

    /// <summary>Ends the conditions not reported again for <see cref="PollOptions.ConditionQuietAfter"/>.</summary>
    public void Sweep()
    {
        if (_conditions.Count == 0)
        {
            return;
        }

        var now = time.GetTimestamp();
        ClearWhere(c => ClearsWhenQuiet(c.Code) && time.GetElapsedTime(c.LastSeen, now) >= options.ConditionQuietAfter, "not reported again");
    }

    /// <summary>A condition that has lasted past <see cref="PollOptions.FatalAfter"/>, or null.</summary>
    public KafkaConditionSnapshot? Expired()
    {
        var now = time.GetTimestamp();
        foreach (var condition in _conditions.Values)
        {
            var lasted = time.GetElapsedTime(condition.Since, now);
            if (CanStopService(condition.Code) && lasted >= options.FatalAfter)
            {
                return new KafkaConditionSnapshot(condition.Code, condition.Partition, condition.Reason, lasted, condition.Reports);
            }
        }

        return null;
    }

    // librdkafka says "all brokers down" once, not again while they stay down.
    private static bool ClearsWhenQuiet(ErrorCode code) => code != ErrorCode.Local_AllBrokersDown;

    // One broker's connection errors while others serve the partitions are worth a warning, not a stop: partitions it
    // leads stall, which the lag shows, and "all brokers down" covers the outage that stops everything.
    private static bool CanStopService(ErrorCode code) => code != ErrorCode.Local_Transport;

    private void ClearWhere(Func<Condition, bool> over, string why)
    {
        List<Condition>? cleared = null;
        foreach (var condition in _conditions.Values)
        {
            if (over(condition))
            {
                (cleared ??= []).Add(condition);
            }
        }

        if (cleared is null)
        {
            return;
        }

        var now = time.GetTimestamp();
        foreach (var condition in cleared)
        {
            _conditions.Remove((condition.Code, condition.Partition));
            Log.KafkaConditionCleared(logger, condition.Code, Where(condition.Partition), time.GetElapsedTime(condition.Since, now).TotalSeconds, condition.Reports, why);
        }

        Publish();
    }

    private void Publish()
    {
        var down = false;
        foreach (var key in _conditions.Keys)
        {
            down |= key.Code == ErrorCode.Local_AllBrokersDown;
        }

        BrokersDown = down;
        Volatile.Write(ref _active, _conditions.Count);
    }

    private string Where(TopicPartition? partition) =>
        partition is null ? $"brokers {options.BootstrapServers}" : $"{partition.Topic}[{partition.Partition.Value}]";

    private sealed class Condition(ErrorCode code, TopicPartition? partition, string reason, long since)
    {
        public ErrorCode Code { get; } = code;

        public TopicPartition? Partition { get; } = partition;

        public string Reason { get; } = reason;

        public long Since { get; } = since;

        public long LastSeen { get; set; } = since;

        public long Reports { get; set; } = 1;
    }
}

/// <summary>A Kafka condition as it stood when the service gave up on it.</summary>
public sealed record KafkaConditionSnapshot(ErrorCode Code, TopicPartition? Partition, string Reason, TimeSpan Lasted, long Reports);
