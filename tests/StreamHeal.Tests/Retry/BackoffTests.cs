using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.Retry;
using StreamHeal.Sink;
using Xunit;

namespace StreamHeal.Tests.Retry;

public sealed class BackoffTests
{
    [Property(MaxTest = 500)]
    public Property Full_jitter_stays_within_the_exponential_ceiling() =>
        Prop.ForAll(Gen.Choose(0, 64).ToArbitrary(), Gen.Choose(0, 999).ToArbitrary(), (attempt, r) =>
        {
            var baseDelay = TimeSpan.FromMilliseconds(100);
            var max = TimeSpan.FromSeconds(30);
            var delay = Backoff.FullJitter(attempt, baseDelay, max, r / 1000.0);
            var ceiling = Math.Min(max.Ticks, baseDelay.Ticks * Math.Pow(2, Math.Min(attempt, 30)));
            return delay >= TimeSpan.Zero && delay.Ticks <= ceiling;
        });

    [Fact]
    public async Task Dependency_retry_retries_without_limit_on_injected_time_until_success()
    {
        var time = new FakeTimeProvider();
        var attempts = 0;
        var delays = new List<TimeSpan>();
        var retry = new DependencyRetry(
            new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1), BreakAfterFailures = 1000 },
            static e => e is SinkUnavailableException,
            (_, delay, _) => delays.Add(delay),
            time,
            static () => 0.5);

        var call = retry.ExecuteAsync(
            (_, _) =>
            {
                attempts++;
                return attempts < 50 ? throw new SinkUnavailableException("down") : ValueTask.FromResult(attempts);
            },
            0,
            CancellationToken.None).AsTask();

        while (!call.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        Assert.Equal(50, await call);
        Assert.Equal(49, delays.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(50), delays[0]);
        Assert.Equal(TimeSpan.FromMilliseconds(500), delays[^1]);
    }

    [Fact]
    public async Task A_call_counts_as_retrying_from_its_first_failure_until_it_ends_however_long_the_backoff()
    {
        var time = new FakeTimeProvider();
        var retry = new DependencyRetry(
            new RetryOptions { BaseDelay = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromSeconds(30), BreakAfterFailures = 1000 },
            static e => e is SinkUnavailableException, static (_, _, _) => { }, time, static () => 0.99);
        var attempts = 0;
        using var cancel = new CancellationTokenSource();
        var healthy = await retry.ExecuteAsync(static (_, _) => ValueTask.FromResult(1), 0, CancellationToken.None);
        Assert.Equal(0, retry.Retrying);

        var succeeding = retry.ExecuteAsync(
            (_, _) => ++attempts < 3 ? throw new SinkUnavailableException("down") : ValueTask.FromResult(attempts), 0, CancellationToken.None).AsTask();
        var cancelled = retry.ExecuteAsync<int, int>((_, _) => throw new SinkUnavailableException("down"), 0, cancel.Token).AsTask();

        Assert.Equal(2, retry.Retrying);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(2, retry.Retrying);
        while (!succeeding.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await Task.Yield();
        }

        Assert.Equal(3, await succeeding);
        Assert.Equal(1, retry.Retrying);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(0, retry.Retrying);
        Assert.Equal(1, healthy);
    }

    [Fact]
    public async Task Dependency_retry_lets_other_errors_through()
    {
        var retry = new DependencyRetry(new RetryOptions(), static e => e is SinkUnavailableException, (_, _, _) => { }, TimeProvider.System, static () => 0.0);
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await retry.ExecuteAsync<int, int>((_, _) => throw new InvalidOperationException("bug"), 0, CancellationToken.None));
    }
}
