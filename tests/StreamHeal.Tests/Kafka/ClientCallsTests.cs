using Microsoft.Extensions.Time.Testing;
using StreamHeal.Kafka;
using Xunit;

namespace StreamHeal.Tests.Kafka;

public sealed class ClientCallsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Closing_waits_for_the_calls_inside_and_refuses_new_ones()
    {
        var calls = new ClientCalls();
        var time = new FakeTimeProvider();
        var first = calls.Enter("store");
        var second = calls.Enter("store");

        var closing = calls.CloseAsync(Bound, time);
        Assert.False(closing.IsCompleted);
        var refused = Assert.Throws<ObjectDisposedException>(() => calls.Enter("store"));
        Assert.Contains("The store is closed", refused.Message, StringComparison.Ordinal);

        first.Dispose();
        Assert.False(closing.IsCompleted);
        second.Dispose();
        Assert.True(await closing);
    }

    [Fact]
    public async Task A_call_still_inside_past_the_bound_makes_closing_say_so_and_a_later_close_waits_again()
    {
        var calls = new ClientCalls();
        var time = new FakeTimeProvider();
        var stuck = calls.Enter("store");

        var closing = calls.CloseAsync(Bound, time);
        time.Advance(Bound);
        Assert.False(await closing);

        var again = calls.CloseAsync(Bound, time);
        Assert.False(again.IsCompleted);
        stuck.Dispose();
        Assert.True(await again);
    }

    [Fact]
    public async Task Closing_with_no_call_inside_returns_at_once()
    {
        var calls = new ClientCalls();
        Assert.True(await calls.CloseAsync(Bound, new FakeTimeProvider()));
    }
}
