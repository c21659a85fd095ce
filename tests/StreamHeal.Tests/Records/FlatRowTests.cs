using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.Records;

public sealed class FlatRowTests
{
    [Fact]
    public void A_row_grows_past_its_capacity_and_keeps_the_order()
    {
        var row = new FlatRow(0);
        for (var i = 0; i < 20; i++)
        {
            row.Add($"f{i}", FieldValue.FromInt64(i));
        }

        Assert.Equal(20, row.Count);
        Assert.Equal(Enumerable.Range(0, 20).Select(static i => $"f{i}"), row.Fields.Select(static f => f.Name));
        Assert.Equal(19, row[19].Value.AsInt64);
    }

    [Fact]
    public void Removing_marked_fields_keeps_the_rest_in_order_and_hides_the_removed()
    {
        var row = new FlatRow(4);
        row.Add("a", FieldValue.FromString("1"));
        row.Add("b", FieldValue.FromString("2"));
        row.Add("c", FieldValue.FromString("3"));

        row.RemoveMarked([false, true, false]);

        Assert.Equal(["a", "c"], row.Select(static f => f.Name));
        Assert.Throws<ArgumentOutOfRangeException>(() => row[2]);
        row.Add("d", FieldValue.Null);
        Assert.Equal(["a", "c", "d"], row.Fields.Select(static f => f.Name));
    }

    [Fact]
    public void An_index_outside_the_fields_throws_even_within_the_capacity()
    {
        var row = new FlatRow(8);
        row.Add("a", FieldValue.Null);

        Assert.Throws<ArgumentOutOfRangeException>(() => row[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => row[-1]);
    }

    [Fact]
    public void A_released_row_gives_its_cleared_array_back_and_refuses_every_later_access()
    {
        var pool = new FlatFieldPool(4);
        var row = new FlatRow(3, pool);
        row.Add("a", FieldValue.FromString("kept alive?"));
        row.Add("b", FieldValue.FromInt64(2));

        row.Release();
        row.Release(); // idempotent: a second release must not hand the array out twice

        Assert.Throws<ObjectDisposedException>(() => row.Count);
        Assert.Throws<ObjectDisposedException>(() => row[0]);
        Assert.Throws<ObjectDisposedException>(() => row.Add("c", FieldValue.FromInt64(3)));
        Assert.Throws<ObjectDisposedException>(() => row.GetEnumerator());

        // The array is back in the pool, cleared: no value of the released event is visible or kept alive by it.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var reused = pool.Rent(3);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread()); // the released array, not a new one
        Assert.All(reused, static f => Assert.Null(f.Name));
    }

    [Fact]
    public void A_pooled_row_grows_through_the_pool_and_keeps_its_fields()
    {
        var pool = new FlatFieldPool(4);
        var row = new FlatRow(1, pool);
        for (var i = 0; i < 100; i++)
        {
            row.Add($"f{i}", FieldValue.FromInt64(i));
        }

        Assert.Equal(100, row.Count);
        Assert.Equal(Enumerable.Range(0, 100).Select(static i => $"f{i}"), row.Fields.Select(static f => f.Name));
        row.Release();
    }

    [Fact]
    public void Releasing_pooled_rows_stops_the_field_arrays_from_being_allocated()
    {
        var pool = new FlatFieldPool(16);
        var warm = new FlatRow(12, pool);
        warm.Release();

        const int Runs = 1_000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Runs; i++)
        {
            var row = new FlatRow(12, pool);
            for (var f = 0; f < 12; f++)
            {
                row.Add("name", FieldValue.FromInt64(f));
            }

            row.Release();
        }

        var perRow = (GC.GetAllocatedBytesForCurrentThread() - before) / Runs;

        // Only the row object itself (~48 B); an unpooled 16-field array alone would be ~410 B.
        Assert.InRange(perRow, 1, 64);
    }
}
