using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.Alerting;
using Xunit;

namespace StreamHeal.Tests.Alerting;

public sealed class AlertThrottleProperties
{
    private static readonly AlertCooldowns Cooldowns = new()
    {
        Critical = TimeSpan.FromSeconds(60),
        High = TimeSpan.FromMinutes(5),
        Medium = TimeSpan.FromMinutes(10),
        Low = TimeSpan.FromMinutes(20),
    };

    private static readonly string[] Keys = ["sink_unavailable:duckdb", "lag_high:events", "type_flip:t:a:x", "dlq_unavailable"];

    // One step: which incident (key, severity) and how far the clock moves before it is raised, up to 25 minutes so
    // every cooldown both holds and passes within a run; zero steps make bursts at one instant.
    private static Arbitrary<(int Key, int Severity, long AdvanceMs)[]> Steps() =>
        Gen.Choose(0, Keys.Length - 1).SelectMany(
                static key => Gen.Choose(0, 3).SelectMany(
                    severity => Gen.OneOf(Gen.Constant(0L), Gen.Choose(0, 2_000).Select(static ms => (long)ms), Gen.Choose(0, 1_500).Select(static s => s * 1_000L))
                        .Select(advance => (key, severity, advance))))
            .ArrayOf()
            .ToArbitrary();

    [Property(MaxTest = 300)]
    public Property A_key_is_notified_exactly_when_its_cooldown_has_passed_and_repeats_are_counted() =>
        Prop.ForAll(Steps(), steps =>
        {
            var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
            var throttle = new AlertThrottle(new InProcessAlertStore(clock), Cooldowns, "g", "i", clock);
            var lastSent = new Dictionary<string, DateTimeOffset>();
            var heldBack = new Dictionary<string, long>();
            foreach (var (key, severityIndex, advance) in steps)
            {
                clock.Advance(TimeSpan.FromMilliseconds(advance));
                var severity = (AlertSeverity)severityIndex;
                var incident = new Incident("k", Keys[key], severity, "s", "d", new Dictionary<string, string>(), clock.GetUtcNow());
                var throttleKey = AlertThrottle.KeyFor("g", incident);
                var notification = throttle.DecideAsync(incident, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                var due = !lastSent.TryGetValue(throttleKey, out var last) || clock.GetUtcNow() - last >= Cooldowns.For(severity);
                if (due != notification is not null)
                {
                    return false.Label($"{throttleKey} at {clock.GetUtcNow():HH:mm:ss.fff}: due={due}, sent={notification is not null}");
                }

                if (notification is null)
                {
                    heldBack[throttleKey] = heldBack.GetValueOrDefault(throttleKey) + 1;
                    continue;
                }

                if (notification.Repeats != heldBack.GetValueOrDefault(throttleKey))
                {
                    return false.Label($"{throttleKey}: repeats {notification.Repeats}, held back {heldBack.GetValueOrDefault(throttleKey)}");
                }

                heldBack[throttleKey] = 0;
                lastSent[throttleKey] = clock.GetUtcNow();
            }

            return true.ToProperty();
        });

    [Fact]
    public async Task A_repeat_is_held_back_then_reported_as_more_since_the_first_repeat()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
        var throttle = new AlertThrottle(new InProcessAlertStore(clock), Cooldowns, "g", "i", clock);
        var incident = IncidentCatalog.Failed("boom", clock.GetUtcNow());

        var first = await throttle.DecideAsync(incident, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(5));
        var second = await throttle.DecideAsync(incident, CancellationToken.None);
        var third = await throttle.DecideAsync(incident, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(55));
        var fourth = await throttle.DecideAsync(incident, CancellationToken.None);

        Assert.NotNull(first);
        Assert.Equal("", first.RepeatText);
        Assert.Null(second);
        Assert.Null(third);
        Assert.NotNull(fourth);
        Assert.Equal("+2 more since 08:00 UTC", fourth.RepeatText);
        // A resolution always goes out, whatever the cooldown.
        Assert.NotNull(await throttle.DecideAsync(incident.ResolvedAt(clock.GetUtcNow()), CancellationToken.None));
    }
}
