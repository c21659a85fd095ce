using Microsoft.Extensions.Time.Testing;
using StreamHeal.Batch;
using Xunit;

namespace StreamHeal.Tests.Batch;

public sealed class BatcherTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static Batcher<int> Create(int maxRows = 1000, long maxBytes = 1_000_000, int lingerMs = 200) =>
        new(new BatchOptions { MaxRows = maxRows, MaxBytes = maxBytes, Linger = TimeSpan.FromMilliseconds(lingerMs) });

    [Fact]
    public void Full_by_count_returns_the_batch()
    {
        var batcher = Create(maxRows: 3);

        Assert.Empty(batcher.Add("t", 1, 10, _time.GetUtcNow()));
        Assert.Empty(batcher.Add("t", 2, 10, _time.GetUtcNow()));
        var batch = Assert.Single(batcher.Add("t", 3, 10, _time.GetUtcNow()));

        Assert.Equal(new[] { 1, 2, 3 }, batch.Items);
        Assert.Equal("t", batch.Key);
        Assert.Equal(30, batch.Bytes);
        Assert.Equal(0, batcher.PendingItems);
        Assert.Equal(0, batcher.PendingBytes);
        Assert.Null(batcher.NextDeadline);
    }

    [Fact]
    public void Full_by_bytes_never_exceeds_the_limit()
    {
        var batcher = Create(maxBytes: 100);

        Assert.Empty(batcher.Add("t", 1, 60, _time.GetUtcNow()));
        var first = Assert.Single(batcher.Add("t", 2, 50, _time.GetUtcNow()));
        Assert.Equal(new[] { 1 }, first.Items);
        Assert.Equal(50, batcher.PendingBytes);

        var exact = Assert.Single(batcher.Add("t", 3, 50, _time.GetUtcNow()));
        Assert.Equal(new[] { 2, 3 }, exact.Items);
        Assert.Equal(100, exact.Bytes);
    }

    [Fact]
    public void An_item_larger_than_max_bytes_is_a_batch_of_its_own_after_the_open_one()
    {
        var batcher = Create(maxBytes: 100);
        batcher.Add("t", 1, 10, _time.GetUtcNow());

        var batches = batcher.Add("t", 2, 500, _time.GetUtcNow());

        Assert.Equal(2, batches.Count);
        Assert.Equal(new[] { 1 }, batches[0].Items);
        Assert.Equal(new[] { 2 }, batches[1].Items);
        Assert.Equal(500, batches[1].Bytes);
        Assert.Equal(0, batcher.PendingItems);
    }

    [Fact]
    public void Keys_batch_separately()
    {
        var batcher = Create(maxRows: 2);
        batcher.Add("a", 1, 1, _time.GetUtcNow());
        batcher.Add("b", 2, 1, _time.GetUtcNow());

        var batch = Assert.Single(batcher.Add("a", 3, 1, _time.GetUtcNow()));

        Assert.Equal(new[] { 1, 3 }, batch.Items);
        Assert.Equal(1, batcher.PendingItems);
    }

    [Fact]
    public void Partial_batches_are_due_once_their_first_item_has_lingered()
    {
        var batcher = Create(lingerMs: 200);
        batcher.Add("a", 1, 1, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromMilliseconds(150));
        batcher.Add("b", 2, 1, _time.GetUtcNow());
        batcher.Add("a", 3, 1, _time.GetUtcNow());

        Assert.Equal(_time.GetUtcNow().AddMilliseconds(50), batcher.NextDeadline);
        _time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Empty(batcher.TakeDue(_time.GetUtcNow()));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var due = Assert.Single(batcher.TakeDue(_time.GetUtcNow()));
        Assert.Equal(new[] { 1, 3 }, due.Items);
        Assert.Equal(_time.GetUtcNow().AddMilliseconds(150), batcher.NextDeadline);

        _time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.Equal("b", Assert.Single(batcher.TakeDue(_time.GetUtcNow())).Key);
        Assert.Null(batcher.NextDeadline);
    }

    [Fact]
    public void A_new_batch_after_a_flush_starts_its_own_linger_clock()
    {
        var batcher = Create(maxRows: 2, lingerMs: 100);
        batcher.Add("a", 1, 1, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromMilliseconds(500));
        batcher.Add("a", 2, 1, _time.GetUtcNow());
        batcher.Add("a", 3, 1, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromMilliseconds(99));

        Assert.Empty(batcher.TakeDue(_time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new[] { 3 }, Assert.Single(batcher.TakeDue(_time.GetUtcNow())).Items);
    }

    [Fact]
    public void TakeAll_drains_everything()
    {
        var batcher = Create();
        batcher.Add("a", 1, 5, _time.GetUtcNow());
        batcher.Add("b", 2, 7, _time.GetUtcNow());

        var all = batcher.TakeAll();

        Assert.Equal(2, all.Count);
        Assert.Equal(12, all.Sum(static b => b.Bytes));
        Assert.Equal(0, batcher.PendingItems);
        Assert.Empty(batcher.TakeAll());
    }

    [Fact]
    public void Zero_linger_makes_every_open_batch_due_immediately()
    {
        var batcher = Create(lingerMs: 0);
        batcher.Add("a", 1, 1, _time.GetUtcNow());

        Assert.Single(batcher.TakeDue(_time.GetUtcNow()));
    }
}
