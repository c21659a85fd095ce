using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.Records;

public sealed class ValuePoolTests
{
    [Fact]
    public void A_copy_is_exactly_as_long_as_the_value_and_a_returned_array_is_reused_for_that_length_only()
    {
        var pool = new ValuePool(1 << 20);
        var first = pool.Copy("{\"a\":1}"u8);
        Assert.Equal("{\"a\":1}"u8.ToArray(), first);

        pool.Return(first);
        Assert.Equal(first.Length, pool.RetainedBytes);
        var other = pool.Copy("{\"a\":12}"u8);
        Assert.NotSame(first, other);

        var again = pool.Copy("{\"b\":2}"u8);
        Assert.Same(first, again);
        Assert.Equal("{\"b\":2}"u8.ToArray(), again);
        Assert.Equal(0, pool.RetainedBytes);
    }

    [Fact]
    public void The_pool_keeps_no_more_than_its_bound_nor_values_above_the_pooled_length()
    {
        var pool = new ValuePool(maxRetainedBytes: 100);
        pool.Return(new byte[60]);
        pool.Return(new byte[60]);
        Assert.Equal(60, pool.RetainedBytes);

        var large = new ValuePool(1 << 30);
        large.Return(new byte[ValuePool.MaxPooledLength + 1]);
        Assert.Equal(0, large.RetainedBytes);
        Assert.Empty(large.Copy(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void A_record_returns_its_value_once_and_keeps_its_budget_size()
    {
        var pool = new ValuePool(1 << 20);
        var record = new IngestRecord
        {
            Topic = "events",
            Partition = 0,
            Offset = 1,
            Timestamp = DateTimeOffset.UnixEpoch,
            Value = pool.Copy("{\"a\":1}"u8),
            AssignmentGeneration = 1,
        };
        var bytes = record.Bytes;

        record.ReturnValue(pool);
        record.ReturnValue(pool);

        Assert.Null(record.Value);
        Assert.Equal(bytes, record.Bytes);
        // Returned twice, the array would be handed to two records at once.
        Assert.Equal(7, pool.RetainedBytes);
        Assert.NotSame(pool.Copy("{\"a\":2}"u8), pool.Copy("{\"a\":3}"u8));
    }

    /// <summary>However values come and go, no array is handed out while another value still holds it, and every copy holds its value.</summary>
    [Property(MaxTest = 200)]
    public Property No_array_is_handed_out_twice_while_held() =>
        Prop.ForAll(
            Gen.Choose(1, 40).SelectMany(length => Gen.Elements(true, false).Select(returnOne => (length, returnOne))).ListOf().ToArbitrary(),
            static steps =>
            {
                var pool = new ValuePool(1 << 20);
                var held = new List<(byte[] Array, byte Fill)>();
                byte fill = 0;
                foreach (var (length, returnOne) in steps)
                {
                    if (returnOne && held.Count > 0)
                    {
                        pool.Return(held[0].Array);
                        held.RemoveAt(0);
                        continue;
                    }

                    fill++;
                    var value = Enumerable.Repeat(fill, length).ToArray();
                    held.Add((pool.Copy(value), fill));
                }

                return held.Select(static h => h.Array).Distinct(ReferenceEqualityComparer.Instance).Count() == held.Count
                    && held.TrueForAll(static h => Array.TrueForAll(h.Array, b => b == h.Fill));
            });
}
