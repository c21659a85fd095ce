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
}
