using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.Poll;

namespace StreamHeal.Tests.Poll;

/// <summary>
/// A scripted consumer for the poll loop's unit tests. Each Consume takes the next scripted step (a record, an error to
/// throw, a rebalance); with nothing scripted it lets the fake clock run for the poll timeout and returns nothing, so
/// the loop's time passes only as it polls. Records what the loop did: stored and committed offsets, pauses, assignments.
/// </summary>
internal sealed class FakeConsumer : IConsumer<byte[]?, byte[]?>
{
    private readonly ConcurrentQueue<(Func<FakeConsumer, ConsumeResult<byte[]?, byte[]?>?> Run, bool IsRecord)> _steps = new();
    private readonly FakeTimeProvider _time;
    private readonly object _gate = new();
    private ConsumerCallbacks? _callbacks;
    private List<TopicPartition> _assignment = [];
    private readonly HashSet<TopicPartition> _paused = [];

    public FakeConsumer(FakeTimeProvider time) => _time = time;

    public ConcurrentQueue<TopicPartitionOffset> Stored { get; } = new();

    public ConcurrentQueue<TopicPartitionOffset> Commits { get; } = new();

    public ConcurrentQueue<List<TopicPartitionOffset>> Assigns { get; } = new();

    /// <summary>Errors StoreOffset throws, in order, before stores succeed.</summary>
    public ConcurrentQueue<ErrorCode> StoreErrors { get; } = new();

    /// <summary>Errors Commit throws, in order, before commits succeed.</summary>
    public ConcurrentQueue<ErrorCode> CommitErrors { get; } = new();

    public Dictionary<TopicPartition, Offset> CommittedOnBroker { get; } = [];

    public WatermarkOffsets Watermarks { get; set; } = new(0, 0);

    public bool BrokersAnswer { get; set; } = true;

    public int Probes;

    public bool Closed { get; private set; }

    public int Polls;

    public ConsumerFactory Factory => callbacks =>
    {
        _callbacks = callbacks;
        return new PollConsumer(this, (_, _) =>
        {
            Interlocked.Increment(ref Probes);
            return BrokersAnswer;
        });
    };

    public ConsumerCallbacks Callbacks => _callbacks ?? throw new InvalidOperationException("not built");

    public bool IsPaused(TopicPartition partition)
    {
        lock (_gate)
        {
            return _paused.Contains(partition);
        }
    }

    public bool AllPaused
    {
        get
        {
            lock (_gate)
            {
                return _assignment.Count > 0 && _assignment.All(_paused.Contains);
            }
        }
    }

    public void Script(Func<FakeConsumer, ConsumeResult<byte[]?, byte[]?>?> step) => _steps.Enqueue((step, false));

    public void ScriptAssign(params TopicPartition[] partitions) => Script(c =>
    {
        var start = c.Callbacks.OnAssigned(c, [.. partitions]).ToList();
        lock (c._gate)
        {
            c._assignment = [.. partitions];
        }

        c.Assigns.Enqueue(start);
        return null;
    });

    public void ScriptRevoke(params TopicPartition[] partitions) => Script(c =>
    {
        c.Callbacks.OnRevoked(c, [.. partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset))]);
        lock (c._gate)
        {
            c._assignment = c._assignment.Except(partitions).ToList();
        }

        return null;
    });

    public void ScriptRecord(TopicPartition partition, long offset, string value) => _steps.Enqueue((_ => Record(partition, offset, value), true));

    public void ScriptError(ErrorCode code, TopicPartitionOffset? at, Message<byte[]?, byte[]?>? message = null) =>
        Script(_ => throw new ConsumeException(
            new ConsumeResult<byte[], byte[]> { TopicPartitionOffset = at, Message = message is null ? null : new Message<byte[], byte[]> { Key = message.Key!, Value = message.Value!, Timestamp = message.Timestamp } },
            new Error(code)));

    /// <summary>The same error on every poll from now on, each after <paramref name="every"/> of fake time, as a persistent failure looks.</summary>
    public void ScriptRepeatingError(ErrorCode code, TopicPartitionOffset? at, TimeSpan every) => Script(c =>
    {
        c._time.Advance(every);
        c.ScriptRepeatingError(code, at, every);
        if (at is null)
        {
            c.Callbacks.OnError(c, new Error(code));
            return null;
        }

        throw new ConsumeException(new ConsumeResult<byte[], byte[]> { TopicPartitionOffset = at }, new Error(code));
    });

    public void ScriptClientError(ErrorCode code) => Script(c =>
    {
        c.Callbacks.OnError(c, new Error(code));
        return null;
    });

    public static ConsumeResult<byte[]?, byte[]?> Record(TopicPartition partition, long offset, string value) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(partition, offset),
        Message = new Message<byte[]?, byte[]?>
        {
            Key = null,
            Value = System.Text.Encoding.UTF8.GetBytes(value),
            Timestamp = new Timestamp(DateTime.UnixEpoch.AddSeconds(offset)),
        },
    };

    public bool ScriptDone => _steps.IsEmpty;

    public ConsumeResult<byte[]?, byte[]?>? Consume(TimeSpan timeout)
    {
        Interlocked.Increment(ref Polls);
        // A poll that does not wait returns only a record already fetched; callbacks and errors are left to a poll that
        // waits, so a script step that reacts to what the loop did runs after the loop's turn, as it did before bursts.
        if (timeout == TimeSpan.Zero)
        {
            return _steps.TryPeek(out var next) && next.IsRecord && _steps.TryDequeue(out var ready) ? ready.Run(this) : null;
        }

        if (_steps.TryDequeue(out var step))
        {
            return step.Run(this);
        }

        _time.Advance(timeout);
        // A real consumer waits here; a short real pause keeps the loop from spinning a core while a test watches it.
        Thread.Yield();
        return null;
    }

    public ConsumeResult<byte[]?, byte[]?>? Consume(int millisecondsTimeout) => Consume(TimeSpan.FromMilliseconds(millisecondsTimeout));

    public ConsumeResult<byte[]?, byte[]?> Consume(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public void Subscribe(IEnumerable<string> topics)
    {
    }

    public void Subscribe(string topic)
    {
    }

    public void Assign(IEnumerable<TopicPartitionOffset> partitions)
    {
        var list = partitions.ToList();
        lock (_gate)
        {
            _assignment = list.ConvertAll(p => p.TopicPartition);
        }

        Assigns.Enqueue(list);
    }

    public void StoreOffset(TopicPartitionOffset offset)
    {
        if (StoreErrors.TryDequeue(out var error))
        {
            throw new KafkaException(error);
        }

        Stored.Enqueue(offset);
    }

    public void Commit(IEnumerable<TopicPartitionOffset> offsets)
    {
        if (CommitErrors.TryDequeue(out var code))
        {
            throw new KafkaException(new Error(code));
        }

        foreach (var offset in offsets)
        {
            Commits.Enqueue(offset);
        }
    }

    /// <summary>Called on every pause, on the poll thread: a test samples what the loop had done by then.</summary>
    public Action? Paused { get; set; }

    public void Pause(IEnumerable<TopicPartition> partitions)
    {
        lock (_gate)
        {
            _paused.UnionWith(partitions);
        }

        Paused?.Invoke();
    }

    public void Resume(IEnumerable<TopicPartition> partitions)
    {
        lock (_gate)
        {
            _paused.ExceptWith(partitions);
        }
    }

    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) =>
        partitions.Select(p => new TopicPartitionOffset(p, CommittedOnBroker.GetValueOrDefault(p, Offset.Unset))).ToList();

    public WatermarkOffsets GetWatermarkOffsets(TopicPartition topicPartition) => Watermarks;

    /// <summary>How many watermark queries still fail before they are answered.</summary>
    public int WatermarkFailures { get; set; }

    /// <summary>Partitions whose watermark queries always fail.</summary>
    public HashSet<TopicPartition> WatermarksRefused { get; } = [];

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition topicPartition, TimeSpan timeout)
    {
        if (WatermarksRefused.Contains(topicPartition))
        {
            throw new KafkaException(ErrorCode.TopicAuthorizationFailed);
        }

        if (WatermarkFailures > 0)
        {
            WatermarkFailures--;
            throw new KafkaException(ErrorCode.TopicAuthorizationFailed);
        }

        return Watermarks;
    }

    public List<TopicPartition> Assignment
    {
        get
        {
            lock (_gate)
            {
                return [.. _assignment];
            }
        }
    }

    public void Close() => Closed = true;

    public void Dispose()
    {
    }

    public string MemberId => "fake";

    public List<string> Subscription => [];

    public IConsumerGroupMetadata ConsumerGroupMetadata => throw new NotSupportedException();

    public Handle Handle => throw new NotSupportedException();

    public string Name => "fake";

    public int AddBrokers(string brokers) => throw new NotSupportedException();

    public void SetSaslCredentials(string username, string password) => throw new NotSupportedException();

    public void Unsubscribe() => throw new NotSupportedException();

    public void Assign(TopicPartition partition) => throw new NotSupportedException();

    public void Assign(TopicPartitionOffset partition) => throw new NotSupportedException();

    public void Assign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions) => throw new NotSupportedException();

    public void IncrementalAssign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void IncrementalUnassign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void Unassign() => throw new NotSupportedException();

    public void StoreOffset(ConsumeResult<byte[]?, byte[]?> result) => throw new NotSupportedException();

    public List<TopicPartitionOffset> Commit() => throw new NotSupportedException();

    public void Commit(ConsumeResult<byte[]?, byte[]?> result) => throw new NotSupportedException();

    public void Seek(TopicPartitionOffset tpo) => throw new NotSupportedException();

    public List<TopicPartitionOffset> Committed(TimeSpan timeout) => throw new NotSupportedException();

    /// <summary>The client's position per partition, as librdkafka reports it past transaction markers; unset by default.</summary>
    public Dictionary<TopicPartition, Offset> Positions { get; } = [];

    public Offset Position(TopicPartition partition) => Positions.GetValueOrDefault(partition, Offset.Unset);

    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout) => throw new NotSupportedException();
}
