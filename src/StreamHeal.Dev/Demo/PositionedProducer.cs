using Confluent.Kafka;

namespace StreamHeal.Dev.Demo;

/// <summary>
/// Sends event <c>i</c> to partition <c>i % partitions</c> with the demo's producer settings (lz4, idempotent, acks=all)
/// and records where each one landed, by event index, so a verdict can check every produced record. The demo and the
/// throughput harness both produce through it.
/// </summary>
public sealed class PositionedProducer : IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly string _topic;
    private readonly int _partitions;
    private readonly Action<long, DeliveryReport<byte[]?, byte[]?>>? _delivered;
    private long _deliveredCount;
    private long _failed;

    /// <param name="delivered">Called on librdkafka's delivery thread for each event delivered, with its index.</param>
    public PositionedProducer(string bootstrapServers, string topic, int partitions, long count, Action<long, DeliveryReport<byte[]?, byte[]?>>? delivered = null)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = CompressionType.Lz4,
            LingerMs = 20,
            BatchSize = 256 * 1024,
            MessageMaxBytes = 2 * 1024 * 1024,
            QueueBufferingMaxKbytes = 64 * 1024,
        };
        _producer = new ProducerBuilder<byte[]?, byte[]?>(config).SetLogHandler(static (_, _) => { }).Build();
        _topic = topic;
        _partitions = partitions;
        _delivered = delivered;
        Positions = new (int Partition, long Offset)[count];
    }

    /// <summary>Where each event landed, by index; (-1, -1) for one that failed.</summary>
    public (int Partition, long Offset)[] Positions { get; }

    public long Delivered => Interlocked.Read(ref _deliveredCount);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>
    /// Sends event <paramref name="index"/>; while librdkafka's queue is full it serves delivery reports and tries again,
    /// so the queue is the throttle. Blocks for those waits: call it off the request thread.
    /// </summary>
    public void Produce(long index, Message<byte[]?, byte[]?> message)
    {
        while (true)
        {
            try
            {
                _producer.Produce(new TopicPartition(_topic, (int)(index % _partitions)), message, report =>
                {
                    if (report.Error.IsError)
                    {
                        Interlocked.Increment(ref _failed);
                        Positions[index] = (-1, -1);
                        return;
                    }

                    Positions[index] = (report.Partition.Value, report.Offset.Value);
                    Interlocked.Increment(ref _deliveredCount);
                    _delivered?.Invoke(index, report);
                });
                return;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    /// <summary>Serves the delivery reports that are ready, without waiting.</summary>
    public void ServeReports() => _producer.Poll(TimeSpan.Zero);

    /// <summary>Waits for every event sent; throws naming the count when any could not be produced.</summary>
    public void Flush(CancellationToken cancellationToken)
    {
        _producer.Flush(cancellationToken);
        if (Failed > 0)
        {
            throw new InvalidOperationException($"{Failed} of {Positions.LongLength} events to '{_topic}' could not be produced.");
        }
    }

    public void Dispose() => _producer.Dispose();
}
