using StreamHeal.SchemaRegistry;
using Xunit;

namespace StreamHeal.Tests.SchemaRegistry;

public sealed class BoundedCacheTests
{
    [Fact]
    public async Task Capacity_evicts_the_least_recently_used_key()
    {
        using var cache = new BoundedCache<int, string>(capacity: 3);
        var loads = new List<int>();
        Task<string> Load(int key, CancellationToken _)
        {
            loads.Add(key);
            return Task.FromResult($"v{key}");
        }

        foreach (var key in new[] { 1, 2, 3, 1, 4, 2, 1 })
        {
            await cache.GetOrLoadAsync(key, Load);
        }

        // 4 evicts 2 (1 was touched); reloading 2 evicts 3; 1 stays cached throughout.
        Assert.Equal([1, 2, 3, 4, 2], loads);
        Assert.True(cache.TryGet(1, out _));
        Assert.False(cache.TryGet(3, out _));
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public async Task A_loader_that_throws_synchronously_is_not_cached_and_is_retried()
    {
        using var cache = new BoundedCache<string, int>(capacity: 2);
        var attempts = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await cache.GetOrLoadAsync("k", (_, _) =>
        {
            attempts++;
            throw new InvalidOperationException("boom");
        }));
        var value = await cache.GetOrLoadAsync("k", (_, _) => Task.FromResult(++attempts));

        Assert.Equal(2, value);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task Concurrent_callers_share_one_load()
    {
        using var cache = new BoundedCache<int, int>(capacity: 2);
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loads = 0;

        var waiting = Enumerable.Range(0, 100)
            .Select(_ => cache.GetOrLoadAsync(7, (_, _) => { Interlocked.Increment(ref loads); return release.Task; }).AsTask())
            .ToArray();
        release.SetResult(42);

        Assert.All(await Task.WhenAll(waiting), v => Assert.Equal(42, v));
        Assert.Equal(1, loads);
    }

    [Fact]
    public void Capacity_below_one_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoundedCache<int, int>(0));
}
