using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StreamHeal.Alerting.Channels;
using StreamHeal.Telemetry;

namespace StreamHeal.Alerting;

/// <summary>
/// The one way incidents leave the process. <see cref="Raise"/> never waits: the incident goes into a bounded queue
/// (a full queue drops it and counts the drop), and a background loop throttles it and hands the notification to each
/// channel's own queue. Build it with <see cref="AlertService.StartAsync"/>.
/// </summary>
public sealed class AlertDispatcher : IAsyncDisposable
{
    private static readonly TimeSpan DrainOnStop = TimeSpan.FromSeconds(5);

    private readonly Channel<Incident> _incidents;
    private readonly AlertThrottle _throttle;
    private readonly IReadOnlyList<ChannelSender> _senders;
    private readonly IAsyncDisposable? _store;
    private readonly ILogger _logger;
    private readonly Task _loop;

    internal AlertDispatcher(AlertThrottle throttle, IReadOnlyList<ChannelSender> senders, AlertMetrics metrics, int capacity, IAsyncDisposable? store, ILogger logger)
    {
        _throttle = throttle;
        _senders = senders;
        Metrics = metrics;
        _store = store;
        _logger = logger;
        _incidents = Channel.CreateBounded<Incident>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _loop = Task.Run(RunAsync);
    }

    public AlertMetrics Metrics { get; }

    public IReadOnlyList<ChannelSender> Senders => _senders;

    /// <summary>The Redis store when <c>alerts.redis</c> is set: its <see cref="RedisAlertStore.Degraded"/> is the health signal.</summary>
    public RedisAlertStore? RedisStore { get; init; }

    /// <summary>Reports Redis as <c>streamheal_degraded{dependency="redis"}</c> on <paramref name="metrics"/> when <c>alerts.redis</c> is set.</summary>
    public void ObserveDegraded(PipelineMetrics metrics)
    {
        if (RedisStore is { } store)
        {
            metrics.ObserveDependency(Dependency.Redis, () => store.Degraded);
        }
    }

    /// <summary>Queues <paramref name="incident"/>; false (and counted) when the queue is full or the dispatcher stopped.</summary>
    public bool Raise(Incident incident)
    {
        if (_incidents.Writer.TryWrite(incident))
        {
            return true;
        }

        Metrics.RecordDropped();
        return false;
    }

    private async Task RunAsync()
    {
        await foreach (var incident in _incidents.Reader.ReadAllAsync())
        {
            Notification? notification;
            try
            {
                notification = await _throttle.DecideAsync(incident, CancellationToken.None);
            }
#pragma warning disable CA1031 // A throttle bug must not end alerting; the incident is logged instead of sent.
            catch (Exception e)
#pragma warning restore CA1031
            {
                AlertLog.ThrottleFailed(_logger, incident.Key, e.Message, e);
                continue;
            }

            if (notification is null)
            {
                Metrics.RecordSuppressed(incident.Severity);
                continue;
            }

            AlertLog.Raised(_logger, incident.Key, incident.IsResolution ? "resolved" : AlertSeverities.Name(incident.Severity), incident.Summary);
            foreach (var sender in _senders)
            {
                if (sender.Channel.Accepts(incident))
                {
                    sender.Enqueue(notification);
                }
            }
        }
    }

    /// <summary>Stops taking incidents, sends what is queued for a few seconds, then closes the channels and the store.</summary>
    public async ValueTask DisposeAsync()
    {
        _incidents.Writer.TryComplete();
        await _loop;
        await Task.WhenAll(_senders.Select(static s => s.StopAsync(DrainOnStop)));
        foreach (var sender in _senders)
        {
            await sender.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Metrics.Dispose();
    }
}
