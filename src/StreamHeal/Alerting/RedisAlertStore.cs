using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace StreamHeal.Alerting;

/// <summary>
/// Throttle keys in Redis (<c>SET key instance NX PX cooldown</c>), shared by every replica. When Redis is unreachable
/// or slower than the timeout (at most 250 ms) the same keys and cooldowns are kept in this process instead, the store
/// reports <see cref="Degraded"/> (also as soon as the connection drops, with no command in flight), logs it once, and a background probe (every 500 ms) switches back as soon as Redis
/// answers again. Keys acquired in-process during the outage are not copied to Redis: a repeat right after Redis
/// returns may be notified once more.
/// </summary>
public sealed class RedisAlertStore : IAlertStore, IAsyncDisposable
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(500);

    private readonly ConnectionMultiplexer _redis;
    private readonly InProcessAlertStore _fallback;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _probe;
    private volatile bool _degraded;

    private RedisAlertStore(ConnectionMultiplexer redis, TimeSpan timeout, TimeProvider timeProvider, ILogger logger)
    {
        _redis = redis;
        _timeout = timeout;
        _timeProvider = timeProvider;
        _logger = logger;
        _fallback = new InProcessAlertStore(timeProvider);
        _degraded = !redis.IsConnected;
        if (_degraded)
        {
            AlertLog.RedisDegraded(_logger, "not reachable at start-up");
        }

        // A lost connection is degraded at once, not at the next incident: the gauge must say so while all is quiet.
        _redis.ConnectionFailed += OnConnectionFailed;

        _probe = ProbeAsync(_stop.Token);
    }

    /// <summary>True while the in-process throttle is used because Redis does not answer in time.</summary>
    public bool Degraded => _degraded;

    /// <summary>
    /// Connects without failing: a Redis that is down at start-up leaves the store degraded and reconnecting, so
    /// alerts still go out throttled in-process.
    /// </summary>
    public static async Task<RedisAlertStore> ConnectAsync(string configuration, TimeSpan timeout, TimeProvider timeProvider, ILogger logger)
    {
        var options = ConfigurationOptions.Parse(configuration);
        var milliseconds = (int)Math.Max(1, timeout.TotalMilliseconds);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = milliseconds;
        options.SyncTimeout = milliseconds;
        options.AsyncTimeout = milliseconds;
        options.ConnectRetry = 1;
        // Commands fail at once while disconnected instead of waiting in a backlog: the fallback takes them.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ReconnectRetryPolicy = new LinearRetry((int)ProbeInterval.TotalMilliseconds);
        var redis = await ConnectionMultiplexer.ConnectAsync(options);
        if (redis.IsConnected)
        {
            // The first SET pays for JIT compilation of the command path, which can exceed the timeout on a busy
            // machine and would mark the store degraded for nothing; a scratch key that expires at once takes it.
            try
            {
                await redis.GetDatabase().StringSetAsync("streamheal:alert:warm-up", "", TimeSpan.FromMilliseconds(1), When.NotExists);
            }
            catch (RedisException)
            {
                // Judged again by the first real command.
            }
        }

        return new RedisAlertStore(redis, timeout, timeProvider, logger);
    }

    public async ValueTask<bool> TryAcquireAsync(string key, string instance, TimeSpan cooldown, CancellationToken cancellationToken)
    {
        if (!_degraded)
        {
            try
            {
                return await _redis.GetDatabase()
                    .StringSetAsync(key, instance, cooldown, When.NotExists)
                    .WaitAsync(_timeout, _timeProvider, cancellationToken);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                EnterDegraded(e);
            }
        }

        return _fallback.TryAcquire(key, cooldown);
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        EnterDegraded(e.FailureType + (e.Exception is { } error ? ": " + error.Message : ""));

    private void EnterDegraded(Exception e) => EnterDegraded(e.GetType().Name + ": " + e.Message);

    private void EnterDegraded(string reason)
    {
        if (!_degraded)
        {
            _degraded = true;
            AlertLog.RedisDegraded(_logger, reason);
        }
    }

    private async Task ProbeAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(ProbeInterval, _timeProvider, stop);
                if (!_degraded)
                {
                    continue;
                }

                try
                {
                    await _redis.GetDatabase().PingAsync().WaitAsync(_timeout, _timeProvider, stop);
                    _degraded = false;
                    AlertLog.RedisRecovered(_logger);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    // Still down; the multiplexer reconnects on its own and the next probe tries again.
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _redis.ConnectionFailed -= OnConnectionFailed;
        await _stop.CancelAsync();
        await _probe;
        await _redis.DisposeAsync();
        _stop.Dispose();
    }
}
