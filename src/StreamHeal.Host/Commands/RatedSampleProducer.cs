using System.Diagnostics;
using Confluent.Kafka;
using StreamHeal.Dev.Demo;
using StreamHeal.Operations;

namespace StreamHeal.Host.Commands;

/// <summary>
/// <c>produce-sample --rate R --duration D</c>: the same events as the demo producer, paced at <c>R</c> per second,
/// as a steady stream to watch the service's rate and lag rather than a burst.
/// </summary>
internal sealed class RatedSampleProducer(OperatorConnection connection, string topic, int partitions, SyntheticEvents events, AvroEvents? avro)
{
    private long _delivered;
    private long _failed;

    public long Delivered => Interlocked.Read(ref _delivered);

    public long AvroEvents { get; private set; }

    /// <returns>How many events were produced (fewer than rate × duration when cancelled).</returns>
    public async Task<long> ProduceAsync(double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var total = (long)Math.Ceiling(rate * duration.TotalSeconds);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(connection.Producer()).SetLogHandler(static (_, _) => { }).Build();
        var started = Stopwatch.StartNew();
        long index = 0;
        for (; index < total && !cancellationToken.IsCancellationRequested; index++)
        {
            var due = TimeSpan.FromSeconds(index / rate) - started.Elapsed;
            if (due > TimeSpan.FromMilliseconds(5))
            {
                try
                {
                    await Task.Delay(due, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            var form = avro is null ? AvroForm.None : events.AvroAt(index);
            AvroEvents += form == AvroForm.Valid ? 1 : 0;
            var value = form == AvroForm.None ? events.ValueAt(index, total) : avro!.ValueAt(events, index, total, form);
            producer.Produce(
                new TopicPartition(topic, (int)(index % partitions)),
                new Message<byte[]?, byte[]?> { Key = BitConverter.GetBytes(index), Value = value },
                report => Interlocked.Increment(ref report.Error.IsError ? ref _failed : ref _delivered));
        }

        await Task.Run(() => producer.Flush(TimeSpan.FromSeconds(30)), CancellationToken.None);
        if (Interlocked.Read(ref _failed) > 0)
        {
            throw new InvalidOperationException($"{_failed} sample events could not be produced to '{topic}'.");
        }

        return index;
    }
}
