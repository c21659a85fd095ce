using FsCheck.Xunit;
using StreamHeal.Sink.BigQuery;
using Xunit;

namespace StreamHeal.Tests.Sink.BigQuery;

public sealed class AdaptiveConcurrencyTests
{
    [Fact]
    public async Task Slots_up_to_the_limit_are_granted_at_once_and_the_next_waits_for_a_release()
    {
        var limiter = new AdaptiveConcurrency(2);
        await limiter.AcquireAsync(CancellationToken.None);
        await limiter.AcquireAsync(CancellationToken.None);

        var third = limiter.AcquireAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        limiter.Release();
        await third.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Throttling_halves_the_limit_down_to_one_and_successes_add_one_per_window()
    {
        var limiter = new AdaptiveConcurrency(16);
        limiter.OnThrottled();
        Assert.Equal(8, limiter.Limit);
        for (var i = 0; i < 5; i++)
        {
            limiter.OnThrottled();
        }

        Assert.Equal(1, limiter.Limit);

        // Each success adds 1/limit: at 1 one success is a whole window, from 2 it takes about two more (2.5, 2.9, 3.24).
        limiter.OnSuccess();
        Assert.Equal(2, limiter.Limit);
        limiter.OnSuccess();
        limiter.OnSuccess();
        Assert.Equal(2, limiter.Limit);
        limiter.OnSuccess();
        Assert.Equal(3, limiter.Limit);
    }

    [Fact]
    public async Task A_lower_limit_holds_new_appends_until_enough_slots_are_released()
    {
        var limiter = new AdaptiveConcurrency(4);
        for (var i = 0; i < 4; i++)
        {
            await limiter.AcquireAsync(CancellationToken.None);
        }

        limiter.OnThrottled(); // limit 2 with 4 in flight
        var next = limiter.AcquireAsync(CancellationToken.None);
        limiter.Release();
        limiter.Release();
        Assert.False(next.IsCompleted); // 2 in flight = the limit
        limiter.Release();
        await next.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_cancelled_wait_does_not_take_a_slot()
    {
        var limiter = new AdaptiveConcurrency(1);
        await limiter.AcquireAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        limiter.Release();
        await limiter.AcquireAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Property(MaxTest = 300)]
    public bool The_limit_stays_between_one_and_the_maximum(byte max, bool[] throttles)
    {
        var limiter = new AdaptiveConcurrency(Math.Max(1, (int)max));
        foreach (var throttled in throttles)
        {
            if (throttled)
            {
                limiter.OnThrottled();
            }
            else
            {
                limiter.OnSuccess();
            }

            if (limiter.Limit < 1 || limiter.Limit > Math.Max(1, (int)max))
            {
                return false;
            }
        }

        return true;
    }
}
