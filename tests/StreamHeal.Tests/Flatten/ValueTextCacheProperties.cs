using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Flatten;
using StreamHeal.Records;
using StreamHeal.Tests.Support;
using Xunit;

namespace StreamHeal.Tests.Flatten;

public sealed class ValueTextCacheProperties
{
    /// <summary>Short and long values, ASCII and not, with repeats so lookups hit.</summary>
    private static readonly Gen<string> Value =
        Gen.Frequency(
            (6, Gen.Elements("ios", "android", "", "é", "😀", "a b", "\\", "\"").ListOf(4).Select(static cs => string.Concat(cs))),
            (1, Gen.Elements('x', 'ÿ').ListOf(40).Select(static cs => string.Concat(cs))));

    [Property(MaxTest = 200)]
    public Property A_short_value_is_found_as_its_decoded_text_and_a_long_one_is_left_to_the_caller() =>
        Prop.ForAll(Value.ListOf(50).ToArbitrary(), static values =>
        {
            var column = new ValueTextCache(FlattenOptions.DefaultMaxCachedValues).NewColumn()!;
            return values.All(v =>
            {
                var bytes = Encoding.UTF8.GetBytes(v);
                var found = column.Find(bytes);
                return bytes.Length <= ValueTextCache.MaxValueBytes ? found == v : found is null;
            });
        });

    [Property(MaxTest = 100)]
    public Property A_short_value_seen_twice_is_one_instance() =>
        Prop.ForAll(Value.ToArbitrary(), static value =>
        {
            var column = new ValueTextCache(FlattenOptions.DefaultMaxCachedValues).NewColumn()!;
            var bytes = Encoding.UTF8.GetBytes(value);
            var first = column.Find(bytes);
            var second = column.Find(bytes);
            return bytes.Length <= ValueTextCache.MaxValueBytes ? first is not null && ReferenceEquals(first, second) : first is null && second is null;
        });

    [Property(MaxTest = 50)]
    public Property The_total_stays_within_its_bound() =>
        Prop.ForAll(Gen.Zip(Gen.Choose(0, 40), Gen.Choose(1, 8)).ToArbitrary(), static input =>
        {
            var (bound, columns) = input;
            var cache = new ValueTextCache(bound);
            for (var c = 0; c < columns; c++)
            {
                var column = cache.NewColumn();
                for (var v = 0; v < 30; v++)
                {
                    column?.Find(Encoding.UTF8.GetBytes($"v{v}"));
                }
            }

            return cache.Count <= bound && (bound > 0 || cache.NewColumn() is null);
        });

    [Fact]
    public void A_column_with_more_distinct_values_than_its_bound_stops_caching_and_gives_its_entries_back()
    {
        var cache = new ValueTextCache(100_000);
        var ids = cache.NewColumn()!;
        var names = cache.NewColumn()!;
        names.Find("ios"u8);
        for (var i = 0; i < ValueTextCache.MaxPerColumn; i++)
        {
            Assert.Equal($"id-{i}", ids.Find(Encoding.UTF8.GetBytes($"id-{i}")));
        }

        // The value past the bound is not cached, and the column gives up: its callers keep such values themselves.
        Assert.Null(ids.Find(Encoding.UTF8.GetBytes($"id-{ValueTextCache.MaxPerColumn}")));
        Assert.False(ids.IsCaching);
        Assert.True(names.IsCaching);
        Assert.Equal(1, cache.Count);
        Assert.Null(ids.Find("id-1"u8));
    }

    [Property(MaxTest = 200)]
    public Property Flattening_with_the_value_cache_gives_the_same_rows_as_without() =>
        Prop.ForAll(JsonTrees.Object(4).ListOf(5).ToArbitrary(), static trees =>
        {
            var cached = new Flattener(new FlattenOptions());
            var uncached = new Flattener(new FlattenOptions { MaxCachedValues = 0 });
            // Twice through, so the second pass reads values from the cache.
            return trees.Concat(trees).All(tree =>
            {
                var json = tree.ToUtf8();
                return Same(cached.Flatten(json), uncached.Flatten(json));
            });
        });

    [Fact]
    public void Escaped_strings_are_unescaped_by_the_reader_and_plain_ones_come_from_the_cache()
    {
        var flattener = new Flattener(new FlattenOptions());
        var plain = flattener.Flatten("""{"k":"ab"}"""u8);
        var escaped = flattener.Flatten("""{"k":"a\u0062"}"""u8);
        var backslash = flattener.Flatten("""{"k":"a\\u0062"}"""u8);
        var again = flattener.Flatten("""{"k":"ab"}"""u8);

        Assert.Equal("ab", escaped[0].Value.AsText);
        Assert.Equal("a\\u0062", backslash[0].Value.AsText);
        Assert.Same(plain[0].Value.AsText, again[0].Value.AsText);
        Assert.Equal(1, flattener.CachedValues);
    }

    [Fact]
    public void A_warm_flatten_of_low_cardinality_strings_allocates_only_the_row()
    {
        var flattener = new Flattener(new FlattenOptions());
        var json = """{"event":"app_open","device":{"platform":"ios","model":"Pixel 8"},"n":1}"""u8.ToArray();
        flattener.Flatten(json, 4);

        const int Runs = 100;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Runs; i++)
        {
            flattener.Flatten(json, 4);
        }

        var perFlatten = (GC.GetAllocatedBytesForCurrentThread() - before) / Runs;

        // FlatRow (~40 B) and its 4 fields of 24 B (~120 B); no string.
        Assert.InRange(perFlatten, 1, 200);
    }

    private static bool Same(FlatRow a, FlatRow b) =>
        a.SequenceEqual(b) && a.Quarantine.SequenceEqual(b.Quarantine);
}
