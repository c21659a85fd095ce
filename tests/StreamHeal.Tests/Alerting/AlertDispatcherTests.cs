using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.Alerting;
using StreamHeal.Alerting.Channels;
using Xunit;

namespace StreamHeal.Tests.Alerting;

public sealed class AlertDispatcherTests
{
    /// <summary>A throttle store that answers only when the test lets it, like a Redis that hangs.</summary>
    private sealed class HangingStore : IAlertStore
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<bool> TryAcquireAsync(string key, string instance, TimeSpan cooldown, CancellationToken cancellationToken)
        {
            await Release.Task;
            return false;
        }
    }

    [Fact]
    public async Task Raising_never_waits_on_a_hanging_throttle_and_what_does_not_fit_the_queue_is_dropped_and_counted()
    {
        var clock = new FakeTimeProvider();
        var store = new HangingStore();
        var metrics = new AlertMetrics();
        var throttle = new AlertThrottle(store, new AlertCooldowns(), "g", "i", clock);
        var alerts = new AlertDispatcher(throttle, Array.Empty<ChannelSender>(), metrics, capacity: 16, store: null, NullLogger.Instance);

        var accepted = Enumerable.Range(0, 100).Count(i => alerts.Raise(IncidentCatalog.Failed("boom " + i, clock.GetUtcNow())));

        // The queue holds 16, and the loop may have taken one into the hanging store.
        Assert.InRange(accepted, 16, 17);
        Assert.Equal(100 - accepted, metrics.Dropped);
        store.Release.SetResult();
        await alerts.DisposeAsync();
        Assert.Equal(accepted, metrics.Suppressed);
        Assert.Equal(0, metrics.Sent);
    }
}
