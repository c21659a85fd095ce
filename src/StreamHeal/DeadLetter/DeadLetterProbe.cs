using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;
using StreamHeal.Telemetry;

namespace StreamHeal.DeadLetter;

/// <summary>
/// The start-up check: each DLQ topic must accept a produce before any record is consumed, because a record counts
/// as done only once its dead letter is acknowledged. The probe record carries <see cref="DeadLetterHeaders.Probe"/>.
/// </summary>
public static class DeadLetterProbe
{
    /// <summary>How long a probe may wait before the log says what start-up is waiting for.</summary>
    public static readonly TimeSpan WarnAfter = TimeSpan.FromSeconds(5);

    /// <param name="logger">Told, once per topic, when the acknowledgement is slow and again when it comes.</param>
    public static async Task CheckAsync(
        IProducer<byte[]?, byte[]?> producer, IEnumerable<string> topics, TimeSpan timeout, CancellationToken cancellationToken,
        ILogger? logger = null, TimeProvider? time = null, FatalErrorWatch? fatal = null)
    {
        time ??= TimeProvider.System;
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
            var started = time.GetTimestamp();
            try
            {
                var acknowledged = producer.ProduceAsync(topic, message, timeoutSource.Token);
                if (logger is not null && await Task.WhenAny(acknowledged, Task.Delay(WarnAfter, time, timeoutSource.Token)) != acknowledged)
                {
                    Log.DeadLetterProbePending(logger, topic, WarnAfter.TotalSeconds, timeout.TotalSeconds);
                    await acknowledged;
                    Log.DeadLetterProbeAcknowledged(logger, topic, time.GetElapsedTime(started).TotalSeconds);
                }

                await acknowledged;
            }
            catch (ProduceException<byte[]?, byte[]?> e)
            {
                var cause = fatal?.Explain(e.Error) ?? e.Error;
                throw new DeadLetterUnavailableException(topic, cause.Reason, e, DeadLetterStage.Remedy(cause));
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DeadLetterUnavailableException(topic, $"no acknowledgement within {timeout.TotalSeconds:0} s (dlq.startupCheckTimeout)", e);
            }
        }
    }
}

/// <summary>The DLQ topic does not accept writes; the service cannot guarantee that nothing is lost, so it does not start.</summary>
public sealed class DeadLetterUnavailableException(string topic, string reason, Exception? inner = null, string? remedy = null)
    : Exception($"DLQ topic '{topic}' does not accept writes: {reason}. {remedy ?? "Create it (or fix its ACLs) or set dlq.topicTemplate."}", inner)
{
    public string Topic { get; } = topic;
}
