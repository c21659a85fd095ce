using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StreamHeal.Retry;

namespace StreamHeal.Alerting.Channels;

/// <summary>
/// Sends one channel's notifications from its own bounded queue, one at a time, with retries and backoff, so a channel
/// that is down or slow never holds back the others. What does not fit the queue is dropped and counted.
/// </summary>
public sealed class ChannelSender : IAsyncDisposable
{
    public const int QueueCapacity = 256;
    public const int Attempts = 4;
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(8);

    private readonly Channel<Notification> _queue = System.Threading.Channels.Channel.CreateBounded<Notification>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly AlertMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _worker;

    public ChannelSender(HttpAlertChannel channel, AlertMetrics metrics, TimeProvider timeProvider, ILogger logger)
    {
        Channel = channel;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _worker = Task.Run(() => RunAsync(_stop.Token));
    }

    public HttpAlertChannel Channel { get; }

    public void Enqueue(Notification notification)
    {
        if (!_queue.Writer.TryWrite(notification))
        {
            _metrics.RecordDropped();
        }
    }

    /// <summary>Sends with retries; true once the channel took it. Used by the queue worker and <c>alerts test</c>.</summary>
    public async Task<bool> DeliverAsync(Notification notification, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var timeout = new CancellationTokenSource(AttemptTimeout, _timeProvider);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                await Channel.SendAsync(notification, linked.Token);
                _metrics.RecordSent(notification.Incident.Severity, Channel.Name);
                return true;
            }
            catch (Exception e) when (e is AlertSendException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                _metrics.RecordSendFailure(Channel.Name);
                var reason = e is AlertSendException ? e.Message : $"{Channel.Name} did not answer within {AttemptTimeout.TotalSeconds:0} s";
                if (attempt + 1 >= Attempts)
                {
                    AlertLog.SendGaveUp(_logger, Channel.Name, notification.Incident.Key, Attempts, reason);
                    return false;
                }

                var delay = Backoff.FullJitter(attempt, BaseDelay, MaxDelay, 1.0);
                AlertLog.SendRetry(_logger, Channel.Name, attempt + 1, delay, reason);
                await Task.Delay(delay, _timeProvider, cancellationToken);
            }
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var notification in _queue.Reader.ReadAllAsync(stop))
            {
                await DeliverAsync(notification, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends what is queued for up to <paramref name="drain"/>, then abandons the rest.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        _queue.Writer.TryComplete();
        try
        {
            await _worker.WaitAsync(drain, _timeProvider);
        }
        catch (TimeoutException)
        {
            await _stop.CancelAsync();
            await _worker;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero);
        _stop.Dispose();
    }
}
