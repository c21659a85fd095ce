using System.Text;
using StreamHeal.Flatten;
using StreamHeal.Records;
using Xunit;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Flatten;

public sealed class FlattenerTests
{
    private static readonly Flattener Default = new(new FlattenOptions());

    private static FlatRow Flatten(string json, FlattenOptions? options = null) =>
        (options is null ? Default : new Flattener(options)).Flatten(Encoding.UTF8.GetBytes(json));

    private static Dictionary<string, FieldValue> Columns(FlatRow row) =>
        row.Fields.ToDictionary(static f => f.Name, static f => f.Value, StringComparer.Ordinal);

    [Fact]
    public void Nested_objects_become_separated_columns_with_typed_values()
    {
        var row = Flatten("""
            {"id": 7, "user": {"name": "a\"b\u00e9", "vip": true, "geo": {"lat": 1.5, "alt": null}},
             "big": 9223372036854775808, "neg": -92233720368547758080, "exp": 1e3, "off": false}
            """);

        var columns = Columns(row);
        Assert.Equal(["id", "user__name", "user__vip", "user__geo__lat", "user__geo__alt", "big", "neg", "exp", "off"], row.Fields.Select(static f => f.Name));
        Assert.Equal(FieldValue.FromInt64(7), columns["id"]);
        Assert.Equal(FieldValue.FromString("a\"bé"), columns["user__name"]);
        Assert.Equal(FieldValue.FromBool(true), columns["user__vip"]);
        Assert.Equal(FieldValue.FromDouble(1.5), columns["user__geo__lat"]);
        Assert.Equal(FieldValue.Null, columns["user__geo__alt"]);
        Assert.Equal(FieldValue.FromBigInteger("9223372036854775808"), columns["big"]);
        Assert.Equal(FieldValue.FromBigInteger("-92233720368547758080"), columns["neg"]);
        Assert.Equal(FieldValue.FromDouble(1000), columns["exp"]);
        Assert.Equal(FieldValue.FromBool(false), columns["off"]);
        Assert.Empty(row.Quarantine);
    }

    [Fact]
    public void Arrays_become_compact_json_text_and_keep_string_whitespace()
    {
        var row = Flatten("{\"tags\": [ 1, \"a b\\\" ]\" , {\"k\" : [ ] } ],\"e\":[]}");

        Assert.Equal(FieldValue.FromJson("[1,\"a b\\\" ]\",{\"k\":[]}]"), Columns(row)["tags"]);
        Assert.Equal(FieldValue.FromJson("[]"), Columns(row)["e"]);
    }

    [Fact]
    public void Arrays_go_to_quarantine_in_quarantine_mode()
    {
        var row = Flatten("{\"a\":{\"tags\":[1,2]},\"b\":1}", new FlattenOptions { ArrayMode = ArrayMode.Quarantine });

        Assert.Equal(["b"], row.Fields.Select(static f => f.Name));
        var field = Assert.Single(row.Quarantine);
        Assert.Equal(new QuarantinedField("a.tags", "[1,2]", QuarantineReasons.ArrayValue), field);
    }

    [Fact]
    public void Empty_objects_are_kept_at_their_own_name()
    {
        var row = Flatten("{\"a\":{},\"b\":{\"c\":{ }}}");

        Assert.Equal(FieldValue.FromJson("{}"), Columns(row)["a"]);
        Assert.Equal(FieldValue.FromJson("{}"), Columns(row)["b__c"]);
        Assert.Empty(Flatten("{}"));
    }

    [Fact]
    public void Number_beyond_double_range_keeps_its_text()
    {
        Assert.Equal(FieldValue.FromJson("1e400"), Columns(Flatten("{\"x\":1e400}"))["x"]);
    }

    [Theory]
    [InlineData("a-b c", "a_b_c")]
    [InlineData("1st", "_1st")]
    [InlineData("café", "caf_")]
    [InlineData("\\ud83d\\ude00", "_")]
    [InlineData("\\u0041", "A")]
    [InlineData("Mixed_Case9", "Mixed_Case9")]
    public void Names_are_sanitised(string key, string column)
    {
        Assert.Equal([column], Flatten("{\"" + key + "\":1}").Fields.Select(static f => f.Name));
    }

    [Fact]
    public void Sanitising_collisions_quarantine_the_later_field()
    {
        var row = Flatten("{\"a-b\":1,\"a_b\":2,\"x\":{\"y\":3},\"x__y\":4,\"d\":5,\"d\":6}");

        Assert.Equal(["a_b", "x__y", "d"], row.Fields.Select(static f => f.Name));
        Assert.Equal(FieldValue.FromInt64(1), Columns(row)["a_b"]);
        Assert.Equal(
            [
                new QuarantinedField("a_b", "2", QuarantineReasons.NameCollision),
                new QuarantinedField("x__y", "4", QuarantineReasons.NameCollision),
                new QuarantinedField("d", "6", QuarantineReasons.NameCollision),
            ],
            row.Quarantine);
    }

    [Theory]
    [InlineData("_kafka_offset")]
    [InlineData("_KAFKA_anything")]
    [InlineData("_ingested_at")]
    [InlineData("_Quarantine")]
    [InlineData("_PARTITIONTIME")]
    [InlineData("_table_suffix")]
    [InlineData("_FILE_NAME")]
    [InlineData("_row_timestamp")]
    [InlineData("__ROOT__x")]
    [InlineData("_colon_a")]
    public void Reserved_names_go_to_quarantine(string key)
    {
        var row = Flatten("{\"" + key + "\":\"v\",\"ok\":1}");

        Assert.Equal(["ok"], row.Fields.Select(static f => f.Name));
        Assert.Equal(new QuarantinedField(key, "\"v\"", QuarantineReasons.ReservedName), Assert.Single(row.Quarantine));
    }

    [Fact]
    public void A_nested_path_that_sanitises_to_a_reserved_prefix_is_reserved()
    {
        var row = Flatten("{\"_kafka\":{\"x\":1},\"_table\":{\"suffix\":2}}");

        Assert.Empty(row);
        Assert.Equal(["_kafka.x", "_table.suffix"], row.Quarantine.Select(static q => q.Name));
        Assert.Equal(ColumnNameStatus.Reserved, ColumnNames.Sanitize("_quarantine").Status);
        Assert.Equal(ColumnNameStatus.Valid, ColumnNames.Sanitize("quarantine").Status);
    }

    [Fact]
    public void Empty_keys_are_invalid_names()
    {
        var row = Flatten("{\"\":1,\"a\":{\"\":true},\"b\":2}");

        Assert.Equal(["b"], row.Fields.Select(static f => f.Name));
        Assert.Equal(
            [new QuarantinedField("", "1", QuarantineReasons.InvalidName), new QuarantinedField("a.", "true", QuarantineReasons.InvalidName)],
            row.Quarantine);
    }

    [Fact]
    public void Long_names_are_cut_with_a_stable_hash_suffix()
    {
        var prefix = new string('k', 400);
        var row = Flatten($"{{\"{prefix}a\":1,\"{prefix}b\":2}}", new FlattenOptions { MaxNameLength = 300 });

        Assert.Equal(2, row.Count);
        Assert.All(row.Fields, static f => Assert.Equal(300, f.Name.Length));
        Assert.All(row.Fields, static f => Assert.Matches("^k{291}_[0-9a-f]{8}$", f.Name));
        Assert.NotEqual(row[0].Name, row[1].Name);
        Assert.Equal(row[0].Name, ColumnNames.Sanitize(prefix + "a").Name);
        Assert.Equal(ColumnNames.StableHash("abc"), ColumnNames.StableHash("abc"));
    }

    [Fact]
    public void Separator_is_configurable()
    {
        Assert.Equal(["a_b_c"], Flatten("{\"a\":{\"b\":{\"c\":1}}}", new FlattenOptions { Separator = "_" }).Fields.Select(static f => f.Name));
    }

    [Fact]
    public void A_leaf_that_becomes_an_object_flattens_to_new_columns()
    {
        var flattener = new Flattener(new FlattenOptions());

        var before = flattener.Flatten("{\"a\":1}"u8);
        var after = flattener.Flatten("{\"a\":{\"b\":1}}"u8);

        Assert.Equal("a", before[0].Name);
        Assert.Equal("a__b", after[0].Name);
    }

    [Fact]
    public void Cache_is_bounded_and_names_stay_correct_beyond_it()
    {
        var flattener = new Flattener(new FlattenOptions { MaxCachedNames = 3 });

        for (var i = 0; i < 20; i++)
        {
            var row = flattener.Flatten(Encoding.UTF8.GetBytes($"{{\"k-{i}\":{i}}}"));
            Assert.Equal($"k_{i}", row[0].Name);
        }

        Assert.Equal(3, flattener.CachedNames);
    }

    [Fact]
    public void Cached_names_are_not_reallocated_per_event()
    {
        var flattener = new Flattener(new FlattenOptions());
        var first = flattener.Flatten("{\"a\":{\"b\":1}}"u8);
        var second = flattener.Flatten("{\"a\":{\"b\":2}}"u8);

        Assert.Same(first[0].Name, second[0].Name);
    }

    [Fact]
    public void Warm_path_allocates_the_row_but_nothing_per_field()
    {
        var flattener = new Flattener(new FlattenOptions());
        var small = Encoding.UTF8.GetBytes("{\"a\":{\"b\":1,\"c\":true},\"d-e\":null,\"f\":2.5}");
        var large = Encoding.UTF8.GetBytes("{" + string.Join(",", Enumerable.Range(0, 400).Select(static i => $"\"g{i % 20}\":{{\"n-{i}\":{i}}}")) + "}");
        flattener.Flatten(small, 4);
        flattener.Flatten(large, 400);

        var smallBytes = Allocated(() => flattener.Flatten(small, 4));
        var largeBytes = Allocated(() => flattener.Flatten(large, 400));

        // The row and its field list grow with the field count (16 to 24 bytes a field); names and paths do not.
        Assert.True(smallBytes < 512, $"{smallBytes} bytes for 4 fields");
        Assert.True(largeBytes < 400 * 40, $"{largeBytes} bytes for 400 fields");
    }

    private static long Allocated(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Parallel_workers_get_the_same_rows_as_one()
    {
        var events = Enumerable.Range(0, 64)
            .Select(static i => Encoding.UTF8.GetBytes($"{{\"n{i % 7}\":{{\"v-{i % 5}\":{i},\"v_{i % 5}\":[{i}]}},\"id\":{i}}}"))
            .ToArray();
        var expected = events.Select(static e => Default.Flatten(e)).ToArray();
        var flattener = new Flattener(new FlattenOptions { MaxCachedNames = 10 });
        var actual = new FlatRow[events.Length];

        Parallel.For(0, events.Length * 20, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i % events.Length] = flattener.Flatten(events[i % events.Length]));

        for (var i = 0; i < events.Length; i++)
        {
            Assert.Equal(expected[i].Fields, actual[i].Fields);
            Assert.Equal(expected[i].Quarantine, actual[i].Quarantine);
        }
    }
}
