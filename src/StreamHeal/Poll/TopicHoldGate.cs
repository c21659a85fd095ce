using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;
using StreamHeal.Telemetry;
using StreamHeal.Flow;

namespace StreamHeal.Poll;

/// <summary>Keeps the partitions of held topics paused (see <see cref="TopicHolds"/>), whatever the budget says. Poll thread only.</summary>
internal sealed class TopicHoldGate(IConsumer<byte[]?, byte[]?> consumer, TopicHolds? holds, ILogger logger)
{
    private long _version = -1;
    private HashSet<TopicPartition> _held = [];

    /// <summary>Partitions paused because their topic is held; a budget resume must leave them paused.</summary>
    public IReadOnlySet<TopicPartition> Held => _held;

    /// <param name="paused">Every partition is paused for backpressure: released topics stay paused until the budget resumes.</param>
    /// <param name="assignmentChanged">New partitions run unpaused, so holds are applied again.</param>
    public void Apply(bool paused, bool assignmentChanged)
    {
        if (holds is null || (holds.Version == _version && !assignmentChanged))
        {
            return;
        }

        _version = holds.Version;
        var assignment = consumer.Assignment;
        var held = assignment.Where(p => holds.IsHeld(p.Topic)).ToHashSet();
        var pause = held.Where(p => !_held.Contains(p) || assignmentChanged).ToList();
        var resume = paused ? [] : _held.Where(p => !held.Contains(p) && assignment.Contains(p)).ToList();
        if (pause.Count > 0)
        {
            consumer.Pause(pause);
            Log.TopicHeld(logger, KafkaText.Of(pause));
        }

        if (resume.Count > 0)
        {
            consumer.Resume(resume);
            Log.TopicReleased(logger, KafkaText.Of(resume));
        }

        _held = held;
    }
}
