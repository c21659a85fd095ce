using StreamHeal.CompatFilter;
using StreamHeal.Records;
using Xunit;
using StreamHeal.Tables;

namespace StreamHeal.Tests.CompatFilter;

public sealed class CompatFilterTests
{
    private readonly StreamHeal.CompatFilter.CompatFilter _filter = new(new CompatFilterOptions());

    private static FlatRow Row(params (string Name, FieldValue Value)[] fields)
    {
        var row = new FlatRow();
        foreach (var (name, value) in fields)
        {
            row.Add(name, value);
        }

        return row;
    }

    [Fact]
    public void First_type_wins_and_a_flip_goes_to_quarantine_with_both_types()
    {
        var schema = new TableSchema("t");
        _filter.Apply(Row(("app_version", FieldValue.FromString("4.1.0"))), schema);

        var row = Row(("app_version", FieldValue.FromInt64(412)), ("user", FieldValue.FromString("u1")));
        var removed = _filter.Apply(row, schema);

        Assert.Equal(1, removed);
        Assert.Equal(["user"], row.Fields.Select(f => f.Name));
        var q = Assert.Single(row.Quarantine);
        Assert.Equal(("app_version", "412", QuarantineReasons.TypeFlip, "STRING", "INT64"), (q.Name, q.Value, q.Reason, q.ExpectedType, q.ActualType));
        Assert.Equal(ColumnType.String, schema.Current.Columns.Single(c => c.Name == "app_version").Type);
    }

    [Fact]
    public void Integer_into_float_is_accepted_only_when_exact()
    {
        var schema = new TableSchema("t");
        _filter.Apply(Row(("price", FieldValue.FromDouble(9.5))), schema);

        var exact = Row(("price", FieldValue.FromInt64(10)));
        var inexact = Row(("price", FieldValue.FromInt64((1L << 53) + 1)));

        Assert.Equal(0, _filter.Apply(exact, schema));
        Assert.Equal(1, _filter.Apply(inexact, schema));
        Assert.Empty(inexact.Fields);
    }

    [Fact]
    public void Fraction_into_int_is_a_flip_and_null_is_accepted_anywhere()
    {
        var schema = new TableSchema("t");
        _filter.Apply(Row(("n", FieldValue.FromInt64(1))), schema);

        Assert.Equal(1, _filter.Apply(Row(("n", FieldValue.FromDouble(1.5))), schema));
        Assert.Equal(0, _filter.Apply(Row(("n", FieldValue.Null)), schema));
    }

    [Fact]
    public void Case_collision_inside_one_event_removes_both_spellings()
    {
        var schema = new TableSchema("t");
        var row = Row(("UserName", FieldValue.FromString("a")), ("username", FieldValue.FromString("b")), ("ok", FieldValue.FromBool(true)));

        Assert.Equal(2, _filter.Apply(row, schema));
        Assert.Equal(["ok"], row.Fields.Select(f => f.Name));
        Assert.All(row.Quarantine, q => Assert.Equal(QuarantineReasons.CaseCollisionInEvent, q.Reason));
        Assert.False(schema.Current.TryGet("username", out _));
    }

    [Fact]
    public void Case_collision_with_the_table_removes_the_new_spelling()
    {
        var schema = new TableSchema("t");
        _filter.Apply(Row(("userId", FieldValue.FromString("a"))), schema);

        var row = Row(("UserId", FieldValue.FromString("b")));
        Assert.Equal(1, _filter.Apply(row, schema));
        Assert.Equal(QuarantineReasons.CaseCollisionWithTable, Assert.Single(row.Quarantine).Reason);
        Assert.Single(schema.Current.Columns);
    }

    [Fact]
    public void Unknown_fields_register_nullable_columns_typed_by_first_value_and_nulls_need_no_column()
    {
        var schema = new TableSchema("t");
        var row = Row(
            ("b", FieldValue.FromBool(true)), ("i", FieldValue.FromInt64(1)), ("f", FieldValue.FromDouble(0.5)),
            ("s", FieldValue.FromString("x")), ("j", FieldValue.FromJson("[1]")), ("big", FieldValue.FromBigInteger("123456789012345678901234567890")),
            ("nothing", FieldValue.Null));

        Assert.Equal(0, _filter.Apply(row, schema));

        var types = schema.Current.Columns.ToDictionary(c => c.Name, c => c.Type);
        Assert.Equal(ColumnType.Bool, types["b"]);
        Assert.Equal(ColumnType.Int64, types["i"]);
        Assert.Equal(ColumnType.Float64, types["f"]);
        Assert.Equal(ColumnType.String, types["s"]);
        Assert.Equal(ColumnType.Json, types["j"]);
        Assert.Equal(ColumnType.BigNumeric, types["big"]);
        Assert.False(types.ContainsKey("nothing"));
        Assert.Equal(6, row.Count);
    }

    [Fact]
    public void Columns_beyond_the_limit_go_to_quarantine()
    {
        var filter = new StreamHeal.CompatFilter.CompatFilter(new CompatFilterOptions { MaxColumns = 2 });
        var schema = new TableSchema("t");
        var row = Row(("a", FieldValue.FromInt64(1)), ("b", FieldValue.FromInt64(2)), ("c", FieldValue.FromInt64(3)));

        Assert.Equal(1, filter.Apply(row, schema));
        Assert.Equal(QuarantineReasons.TooManyColumns, Assert.Single(row.Quarantine).Reason);
        Assert.Equal(2, schema.Current.Columns.Count);
    }

    [Fact]
    public void Float_inference_makes_number_columns_float64_so_later_fractions_fit()
    {
        var filter = new StreamHeal.CompatFilter.CompatFilter(new CompatFilterOptions { NumberInference = NumberInference.Float });
        var schema = new TableSchema("t");
        Assert.Equal(0, filter.Apply(Row(("price", FieldValue.FromInt64(10))), schema));
        Assert.Equal(0, filter.Apply(Row(("price", FieldValue.FromDouble(9.99))), schema));
        Assert.Equal(ColumnType.Float64, schema.Current.Columns.Single().Type);
    }

    [Fact]
    public void Field_type_overrides_decide_new_columns_and_strings_become_timestamps_only_through_them()
    {
        var options = new CompatFilterOptions();
        options.FieldTypes["created_at"] = ColumnType.Timestamp;
        options.FieldTypes["payload"] = ColumnType.Json;
        var filter = new StreamHeal.CompatFilter.CompatFilter(options);
        var schema = new TableSchema("t");

        var row = Row(("created_at", FieldValue.FromString("2026-01-02T03:04:05Z")), ("updated_at", FieldValue.FromString("2026-01-02T03:04:05Z")), ("payload", FieldValue.FromJson("[3]")));
        Assert.Equal(0, filter.Apply(row, schema));
        var types = schema.Current.Columns.ToDictionary(c => c.Name, c => c.Type);
        Assert.Equal(ColumnType.Timestamp, types["created_at"]);
        Assert.Equal(ColumnType.String, types["updated_at"]);
        Assert.Equal(ColumnType.Json, types["payload"]);

        // A scalar where an array (JSON) column was registered is a flip too.
        var bad = Row(("created_at", FieldValue.FromString("yesterday")), ("payload", FieldValue.FromString("a scalar")));
        Assert.Equal(2, filter.Apply(bad, schema));
        Assert.Equal(("created_at", "TIMESTAMP", "STRING"), (bad.Quarantine[0].Name, bad.Quarantine[0].ExpectedType, bad.Quarantine[0].ActualType));
    }

    [Fact]
    public void Big_integers_make_numeric_when_they_fit_and_bignumeric_otherwise_but_flip_an_int64_column()
    {
        var schema = new TableSchema("t");
        _filter.Apply(Row(("a", FieldValue.FromBigInteger("12345678901234567890")), ("b", FieldValue.FromBigInteger(new string('9', 40))), ("c", FieldValue.FromInt64(1))), schema);
        var types = schema.Current.Columns.ToDictionary(c => c.Name, c => c.Type);
        Assert.Equal(ColumnType.Numeric, types["a"]);
        Assert.Equal(ColumnType.BigNumeric, types["b"]);

        var row = Row(("c", FieldValue.FromBigInteger("99999999999999999999")), ("a", FieldValue.FromInt64(5)));
        Assert.Equal(1, _filter.Apply(row, schema));
        Assert.Equal("c", Assert.Single(row.Quarantine).Name);
    }

    [Fact]
    public void Concurrent_first_values_register_one_type()
    {
        var schema = new TableSchema("t");
        Parallel.For(0, 1_000, i =>
        {
            var row = Row(("x", i % 2 == 0 ? FieldValue.FromInt64(i) : FieldValue.FromString("s")));
            _filter.Apply(row, schema);
            Assert.True(row.Count + row.Quarantine.Count == 1);
        });

        Assert.Single(schema.Current.Columns);
    }
}
