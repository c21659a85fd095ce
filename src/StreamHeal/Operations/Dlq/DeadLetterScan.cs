using System.Runtime.CompilerServices;
using Confluent.Kafka;

namespace StreamHeal.Operations.Dlq;

/// <summary>
/// Reads a DLQ topic from each partition's low watermark to the high watermark it had when the scan was opened, by
/// assignment: it never joins a group and never commits. Records produced after the scan opened are left for the next
/// one. The start-up check's probe records and replay markers are skipped; the markers read are kept in
/// <see cref="ReplayMarkers"/>.
/// </summary>
public sealed class DeadLetterScan : IDisposable
{
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(30);

    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly Dictionary<int, (long Low, long High)> _ranges;
    private readonly Dictionary<string, OriginalPosition> _markers = new(StringComparer.Ordinal);

    private DeadLetterScan(string topic, IConsumer<byte[]?, byte[]?> consumer, Dictionary<int, (long Low, long High)> ranges)
    {
        Topic = topic;
        _consumer = consumer;
        _ranges = ranges;
    }

    public string Topic { get; }

    /// <summary>Low and high watermark of every partition, by partition id.</summary>
    public IReadOnlyDictionary<int, (long Low, long High)> Ranges => _ranges;

    /// <summary>Records the scan will read (probe records included).</summary>
    public long Total => _ranges.Values.Sum(static r => r.High - r.Low);

    /// <summary>Probe records skipped so far.</summary>
    public long Probes { get; private set; }

    /// <summary>Replay markers read so far: the DLQ position of each dead letter replayed, with its original position.</summary>
    public IReadOnlyDictionary<string, OriginalPosition> ReplayMarkers => _markers;

    /// <summary>The consumer the scan reads with; its group id is where a replay keeps its progress.</summary>
    internal IConsumer<byte[]?, byte[]?> Consumer => _consumer;

    /// <param name="groupId">Only used to read and commit offsets; the scan never subscribes.</param>
    /// <exception cref="InvalidOperationException">The topic does not exist.</exception>
    public static DeadLetterScan Open(OperatorConnection connection, string topic, string groupId)
    {
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(connection.Consumer(groupId)).SetLogHandler(static (_, _) => { }).Build();
        try
        {
            using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
            var metadata = admin.GetMetadata(topic, OperatorConnection.RequestTimeout).Topics.SingleOrDefault(t => t.Topic == topic);
            if (metadata is null || metadata.Error.IsError || metadata.Partitions.Count == 0)
            {
                throw new InvalidOperationException($"DLQ topic '{topic}' does not exist on {connection.BootstrapServers}.");
            }

            var ranges = new Dictionary<int, (long, long)>();
            foreach (var partition in metadata.Partitions.Select(static p => p.PartitionId).Order())
            {
                var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), OperatorConnection.RequestTimeout);
                ranges[partition] = (watermarks.Low.Value, watermarks.High.Value);
            }

            return new DeadLetterScan(topic, consumer, ranges);
        }
        catch
        {
            consumer.Dispose();
            throw;
        }
    }

    /// <summary>Every record from the low watermarks (or <paramref name="from"/>) to the snapshot's ends, per partition in offset order.</summary>
    /// <param name="from">Where to start per partition, when later than its low watermark.</param>
    /// <exception cref="TimeoutException">No record arrived for 30 s while some were still expected.</exception>
    public async IAsyncEnumerable<DeadLetterRecord> ReadAsync(
        [EnumeratorCancellation] CancellationToken cancellationToken = default, IReadOnlyDictionary<int, long>? from = null)
    {
        var starts = _ranges.ToDictionary(static r => r.Key, r => Math.Max(r.Value.Low, from?.GetValueOrDefault(r.Key, r.Value.Low) ?? r.Value.Low));
        var ends = _ranges.Where(r => r.Value.High > starts[r.Key]).ToDictionary(static r => r.Key, static r => r.Value.High);
        _consumer.Assign(ends.Keys.Select(p => new TopicPartitionOffset(Topic, p, starts[p])));
        var lastRecord = DateTime.UtcNow;
        while (ends.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Consume blocks; a short wait keeps cancellation prompt, and yielding keeps the caller's thread free.
            var result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                if (DateTime.UtcNow - lastRecord > IdleLimit)
                {
                    throw new TimeoutException($"Reading '{Topic}' stalled: no record for {IdleLimit.TotalSeconds:0} s with {ends.Count} partition(s) not at their end.");
                }

                await Task.Yield();
                continue;
            }

            lastRecord = DateTime.UtcNow;
            var partition = result.Partition.Value;
            if (result.Offset.Value + 1 >= ends.GetValueOrDefault(partition, long.MaxValue))
            {
                ends.Remove(partition);
                _consumer.IncrementalUnassign([result.TopicPartition]);
            }

            if (result.Offset.Value >= _ranges[partition].High)
            {
                continue;
            }

            var headers = new List<KeyValuePair<string, byte[]>>(result.Message.Headers?.Count ?? 0);
            foreach (var header in result.Message.Headers ?? [])
            {
                headers.Add(new KeyValuePair<string, byte[]>(header.Key, header.GetValueBytes() ?? []));
            }

            var record = DeadLetterRecord.Create(Topic, partition, result.Offset.Value, result.Message.Key, result.Message.Value, headers);
            if (record.IsProbe)
            {
                Probes++;
                continue;
            }

            if (record.ReplayedPosition is { } replayed)
            {
                _markers[replayed] = record.Original;
                continue;
            }

            yield return record;
        }
    }

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}
