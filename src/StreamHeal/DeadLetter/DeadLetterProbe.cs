using System.Text;
using Confluent.Kafka;

namespace StreamHeal.DeadLetter;

/// <summary>
/// The start-up check: each DLQ topic must accept a produce before any record is consumed, because a record counts
/// as done only once its dead letter is acknowledged. The probe record carries <see cref="DeadLetterHeaders.Probe"/>.
/// </summary>
public static class DeadLetterProbe
{
    public static async Task CheckAsync(IProducer<byte[]?, byte[]?> producer, IEnumerable<string> topics, TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (var topic in topics)
        {
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            var message = new Message<byte[]?, byte[]?>
            {
                Key = Encoding.UTF8.GetBytes("streamheal-probe"),
                Value = null,
                Headers = new Headers { { DeadLetterHeaders.Probe, [(byte)'1'] } },
            };
            try
            {
                await producer.ProduceAsync(topic, message, timeoutSource.Token);
            }
            catch (ProduceException<byte[]?, byte[]?> e)
            {
                throw new DeadLetterUnavailableException(topic, e.Error.Reason, e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DeadLetterUnavailableException(topic, $"no acknowledgement within {timeout.TotalSeconds:0} s (dlq.startupCheckTimeout)", e);
            }
        }
    }
}

/// <summary>The DLQ topic does not accept writes; the service cannot guarantee that nothing is lost, so it does not start.</summary>
public sealed class DeadLetterUnavailableException(string topic, string reason, Exception? inner = null)
    : Exception($"DLQ topic '{topic}' does not accept writes: {reason}. Create it (or fix its ACLs) or set dlq.topicTemplate.", inner)
{
    public string Topic { get; } = topic;
}
