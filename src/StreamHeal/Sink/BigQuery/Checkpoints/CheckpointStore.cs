using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;

namespace StreamHeal.Sink.BigQuery.Checkpoints;

/// <summary>
/// Exactly-once checkpoints in a compacted Kafka topic, keyed <c>{group}/{table}/{partition}</c>. Confluent.Kafka cannot
/// put metadata on an offset commit, so the checkpoint is its own record: produced (idempotent, acks=all) after BigQuery
/// acknowledged an append and before the partition's Kafka offset is stored. A reader assigned to the whole topic keeps
/// the latest checkpoint per key and catches up to the topic's end whenever a partition is (re)assigned.
/// </summary>
internal sealed class CheckpointStore : IDisposable
{
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    private readonly KafkaOptions _kafka;
    private readonly string _group;
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly IConsumer<byte[], byte[]> _reader;
    private readonly SemaphoreSlim _readLock = new(1, 1);
    private readonly Dictionary<string, StreamCheckpoint> _latest = new(StringComparer.Ordinal);
    private bool _assigned;

    public CheckpointStore(KafkaOptions kafka, string topic, ILogger logger)
    {
        _kafka = kafka;
        _group = kafka.GroupId;
        Topic = topic;
        _producer = new ProducerBuilder<byte[], byte[]>(KafkaConfigBuilder.CheckpointProducer(kafka)).SetLogHandler((_, m) => KafkaClientLog.Log(logger, "checkpoint-producer", m)).SetErrorHandler((_, e) => KafkaClientLog.Error(logger, "checkpoint-producer", e)).Build();
        _reader = new ConsumerBuilder<byte[], byte[]>(KafkaConfigBuilder.CheckpointReader(kafka)).SetLogHandler(static (_, _) => { }).Build();
    }

    public string Topic { get; }

    /// <summary>Creates the topic compacted with one partition when it is missing; an existing topic is left as it is.</summary>
    public async Task EnsureTopicAsync(CancellationToken cancellationToken)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _kafka.BootstrapServers }).SetLogHandler(static (_, _) => { }).Build();
        var metadata = admin.GetMetadata(MetadataTimeout);
        if (metadata.Topics.Exists(t => t.Topic == Topic && t.Error.Code == ErrorCode.NoError))
        {
            return;
        }

        try
        {
            await admin.CreateTopicsAsync(
                [new TopicSpecification
                {
                    Name = Topic,
                    NumPartitions = 1,
                    ReplicationFactor = (short)Math.Min(3, metadata.Brokers.Count),
                    Configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact" },
                }],
                new CreateTopicsOptions { RequestTimeout = MetadataTimeout, OperationTimeout = MetadataTimeout }).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CreateTopicsException e) when (e.Results.TrueForAll(static r => r.Error.Code is ErrorCode.TopicAlreadyExists or ErrorCode.NoError))
        {
            // Another replica created it first.
        }
        catch (KafkaException e)
        {
            throw new InvalidOperationException(
                $"The exactly-once checkpoint topic '{Topic}' does not exist and could not be created ({e.Error.Reason}). Create it with one partition and cleanup.policy=compact, or set sink.bigquery.checkpointTopic to one that exists.", e);
        }
    }

    /// <summary>Writes a checkpoint and waits for the brokers to acknowledge it.</summary>
    public async Task WriteAsync(string table, int partition, StreamCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        try
        {
            await _producer.ProduceAsync(
                Topic, new Message<byte[], byte[]> { Key = Key(table, partition), Value = checkpoint.ToJson() }, cancellationToken).ConfigureAwait(false);
        }
        catch (ProduceException<byte[], byte[]> e)
        {
            throw new SinkUnavailableException($"Could not write the exactly-once checkpoint for {table} partition {partition} to '{Topic}': {e.Error.Reason}", e);
        }
    }

    /// <summary>Reads the topic to its end, then returns the latest checkpoint of (table, partition), or null if it has none.</summary>
    public async Task<StreamCheckpoint?> ReadAsync(string table, int partition, CancellationToken cancellationToken)
    {
        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Run(() => CatchUp(cancellationToken), cancellationToken).ConfigureAwait(false);
            return _latest.GetValueOrDefault(Encoding.UTF8.GetString(Key(table, partition)));
        }
        finally
        {
            _readLock.Release();
        }
    }

    private void CatchUp(CancellationToken cancellationToken)
    {
        if (!_assigned)
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _kafka.BootstrapServers }).SetLogHandler(static (_, _) => { }).Build();
            var partitions = admin.GetMetadata(Topic, MetadataTimeout).Topics.Single().Partitions;
            _reader.Assign(partitions.Select(p => new TopicPartitionOffset(Topic, p.PartitionId, Offset.Beginning)));

            _assigned = true;
        }

        var ends = new Dictionary<TopicPartition, long>();
        foreach (var partition in _reader.Assignment)
        {
            var high = _reader.QueryWatermarkOffsets(partition, MetadataTimeout).High.Value;
            var position = _reader.Position(partition);
            if (high > 0 && (position == Offset.Unset || position.Value < high))
            {
                ends[partition] = high;
            }
        }

        var deadline = DateTime.UtcNow + CatchUpTimeout;
        while (ends.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (DateTime.UtcNow > deadline)
            {
                throw new SinkUnavailableException($"Could not read the checkpoint topic '{Topic}' to its end within {CatchUpTimeout.TotalSeconds:0} s.");
            }

            ConsumeResult<byte[], byte[]>? result;
            try
            {
                result = _reader.Consume(TimeSpan.FromMilliseconds(200));
            }
            catch (ConsumeException e)
            {
                throw new SinkUnavailableException($"Reading the checkpoint topic '{Topic}' failed: {e.Error.Reason}", e);
            }

            if (result is null)
            {
                continue;
            }

            if (!result.IsPartitionEOF && result.Message?.Key is { } key && result.Message.Value is { } value
                && StreamCheckpoint.FromJson(value) is { } checkpoint)
            {
                _latest[Encoding.UTF8.GetString(key)] = checkpoint;
            }

            if (ends.TryGetValue(result.TopicPartition, out var end) && (result.IsPartitionEOF || result.Offset.Value + 1 >= end))
            {
                ends.Remove(result.TopicPartition);
            }
        }
    }

    private byte[] Key(string table, int partition) => Encoding.UTF8.GetBytes($"{_group}/{table}/{partition}");

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
        _reader.Close();
        _reader.Dispose();
        _readLock.Dispose();
    }
}
