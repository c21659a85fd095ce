using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using StreamHeal.Alerting.Channels;

namespace StreamHeal.Alerting;

/// <summary>Builds the dispatcher from validated options: the throttle store (Redis or in-process) and the channels.</summary>
public static class AlertService
{
    /// <param name="group">The consumer group: part of every throttle key and an Alertmanager label.</param>
    /// <param name="http">Shared by the channels; null makes one owned by nothing (it lives as long as the process).</param>
    public static async Task<AlertDispatcher> StartAsync(
        AlertOptions options, string group, TimeProvider timeProvider, ILoggerFactory loggerFactory,
        IMeterFactory? meterFactory = null, HttpClient? http = null)
    {
        var logger = loggerFactory.CreateLogger("StreamHeal.Alerting");
        var metrics = new AlertMetrics(meterFactory);
        IAlertStore store;
        RedisAlertStore? redis = null;
        if (string.IsNullOrWhiteSpace(options.Redis))
        {
            store = new InProcessAlertStore(timeProvider);
        }
        else
        {
            redis = await RedisAlertStore.ConnectAsync(options.Redis, options.RedisTimeout, timeProvider, logger);
            store = redis;
        }

        http ??= new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var senders = options.Channels
            .Select((channel, index) => new ChannelSender(HttpAlertChannel.Create(channel, index, http, group), metrics, timeProvider, logger))
            .ToArray();
        AlertLog.Started(
            logger, senders.Length, senders.Length == 0 ? "none" : string.Join(", ", senders.Select(static s => s.Channel.Name)),
            redis is null ? "in this process only (alerts.redis is not set)" : "shared through Redis");
        var throttle = new AlertThrottle(store, options.Cooldowns, group, options.InstanceName, timeProvider);
        return new AlertDispatcher(throttle, senders, metrics, options.QueueCapacity, redis, logger) { RedisStore = redis };
    }
}
