using System.Text;
using Google.Protobuf.Reflection;
using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using Xunit;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Sink.BigQuery;

public sealed class BigQueryRowEncoderTests
{
    private static readonly TableColumn[] Columns =
    [
        new("name", ColumnType.String),
        new("n", ColumnType.Int64),
        new("ratio", ColumnType.Float64),
        new("price", ColumnType.Numeric),
        new("big", ColumnType.BigNumeric),
        new("ok", ColumnType.Bool),
        new("blob", ColumnType.Bytes),
        new("day", ColumnType.Date),
        new("at", ColumnType.Timestamp),
        new("doc", ColumnType.Json),
    ];

    private static readonly DateTimeOffset KafkaTime = new(2026, 11, 25, 10, 0, 0, 123, TimeSpan.Zero);
    private static readonly DateTimeOffset IngestedAt = new(2026, 11, 25, 10, 0, 1, TimeSpan.Zero);

    [Fact]
    public void Descriptor_puts_reserved_columns_first_and_maps_each_type()
    {
        var layout = new BigQueryRowLayout(Columns);
        var fields = layout.Descriptor.Field;

        Assert.Equal(BigQueryRowLayout.MessageName, layout.Descriptor.Name);
        Assert.Equal(
            [ReservedColumns.KafkaTopic, ReservedColumns.KafkaPartition, ReservedColumns.KafkaOffset, ReservedColumns.KafkaTimestamp, ReservedColumns.IngestedAt, ReservedColumns.Quarantine],
            fields.Take(6).Select(f => f.Name));
        Assert.Equal(Enumerable.Range(1, 16), fields.Select(f => f.Number));
        Assert.All(fields, f => Assert.Equal(FieldDescriptorProto.Types.Label.Optional, f.Label));
        Assert.Equal(
            [
                FieldDescriptorProto.Types.Type.String, FieldDescriptorProto.Types.Type.Int64, FieldDescriptorProto.Types.Type.Double,
                FieldDescriptorProto.Types.Type.String, FieldDescriptorProto.Types.Type.String, FieldDescriptorProto.Types.Type.Bool,
                FieldDescriptorProto.Types.Type.Bytes, FieldDescriptorProto.Types.Type.Int32, FieldDescriptorProto.Types.Type.Int64,
                FieldDescriptorProto.Types.Type.String,
            ],
            fields.Skip(6).Select(f => f.Type));
    }

    [Fact]
    public void Adding_a_column_keeps_every_field_number()
    {
        var before = new BigQueryRowLayout(Columns).Descriptor.Field;
        var after = new BigQueryRowLayout([.. Columns, new TableColumn("later", ColumnType.String)]).Descriptor.Field;

        Assert.Equal(before.Select(f => (f.Name, f.Number)), after.Take(before.Count).Select(f => (f.Name, f.Number)));
        Assert.Equal(("later", 17), (after[^1].Name, after[^1].Number));
    }

    [Theory]
    [InlineData("1abc")]
    [InlineData("a-b")]
    [InlineData("_KAFKA_OFFSET")]
    public void Layout_refuses_names_protobuf_or_the_reserved_columns_cannot_take(string name) =>
        Assert.Throws<ArgumentException>(() => new BigQueryRowLayout([new TableColumn(name, ColumnType.String)]));

    /// <param name="inEventBytes">Strings kept as UTF-8 inside a larger array, as the flattener keeps an event's ids.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Row_encodes_every_type_and_decodes_to_the_same_values(bool inEventBytes)
    {
        FieldValue Text(string text)
        {
            if (!inEventBytes)
            {
                return FieldValue.FromString(text);
            }

            var utf8 = Encoding.UTF8.GetBytes("{\"k\":\"" + text + "\"}");
            return FieldValue.FromUtf8(utf8, 6, utf8.Length - 8);
        }

        var encoder = new BigQueryRowEncoder(new BigQueryRowLayout(Columns));
        var row = new FlatRow();
        row.Add("name", Text("zoë"));
        row.Add("n", FieldValue.FromInt64(-5));
        row.Add("ratio", FieldValue.FromDouble(0.25));
        row.Add("price", Text("12345678901234567890.123456789"));
        row.Add("big", FieldValue.FromBigInteger("123456789012345678901234567890123456789"));
        row.Add("ok", FieldValue.FromBool(false));
        row.Add("blob", Text(Convert.ToBase64String([1, 2, 255])));
        row.Add("day", Text("1969-12-31"));
        row.Add("at", Text("2026-11-25T10:00:00.000001Z"));
        row.Add("doc", FieldValue.FromJson("{\"a\":[1,2]}"));
        row.AddQuarantine(new QuarantinedField("x", "1", QuarantineReasons.TypeFlip, "STRING", "INT64"));

        var values = Encode(encoder, new SinkRow(3, 42, KafkaTime, row));

        Assert.Equal("orders", values[ReservedColumns.KafkaTopic]);
        Assert.Equal(3L, values[ReservedColumns.KafkaPartition]);
        Assert.Equal(42L, values[ReservedColumns.KafkaOffset]);
        Assert.Equal(KafkaTime.ToUnixTimeMilliseconds() * 1000, values[ReservedColumns.KafkaTimestamp]);
        Assert.Equal(IngestedAt.ToUnixTimeMilliseconds() * 1000, values[ReservedColumns.IngestedAt]);
        Assert.Contains("type_flip", (string)values[ReservedColumns.Quarantine], StringComparison.Ordinal);
        Assert.Equal("zoë", values["name"]);
        Assert.Equal(-5L, values["n"]);
        Assert.Equal(0.25, values["ratio"]);
        Assert.Equal("12345678901234567890.123456789", values["price"]);
        Assert.Equal("123456789012345678901234567890123456789", values["big"]);
        // A false bool is present (not NULL): proto2 keeps set defaults.
        Assert.Equal(false, values["ok"]);
        Assert.Equal(new byte[] { 1, 2, 255 }, values["blob"]);
        Assert.Equal(-1, values["day"]);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000 + 1, values["at"]);
        Assert.Equal("{\"a\":[1,2]}", values["doc"]);
    }

    [Fact]
    public void Nulls_and_unmentioned_columns_are_absent_fields()
    {
        var encoder = new BigQueryRowEncoder(new BigQueryRowLayout(Columns));
        var row = new FlatRow();
        row.Add("name", FieldValue.Null);
        row.Add("n", FieldValue.FromInt64(0));

        var values = Encode(encoder, new SinkRow(0, 0, KafkaTime, row));

        Assert.False(values.ContainsKey("name"));
        Assert.False(values.ContainsKey(ReservedColumns.Quarantine));
        Assert.Equal(0L, values["n"]);
        Assert.Equal(6, values.Count);
    }

    [Fact]
    public void Numeric_from_numbers_is_exact_decimal_text_and_json_takes_any_literal()
    {
        var encoder = new BigQueryRowEncoder(new BigQueryRowLayout(Columns));
        var row = new FlatRow();
        row.Add("price", FieldValue.FromDouble(0.1));
        row.Add("big", FieldValue.FromInt64(long.MinValue));
        row.Add("doc", FieldValue.FromString("text"));
        row.Add("ratio", FieldValue.FromInt64(3));

        var values = Encode(encoder, new SinkRow(0, 0, KafkaTime, row));

        Assert.Equal("0.1", values["price"]);
        Assert.Equal("-9223372036854775808", values["big"]);
        Assert.Equal("\"text\"", values["doc"]);
        Assert.Equal(3.0, values["ratio"]);
    }

    [Theory]
    [InlineData("day", "25/11/2026")]
    [InlineData("at", "not a time")]
    [InlineData("blob", "%%%")]
    [InlineData("price", "12abc")]
    [InlineData("missing", "x")]
    public void A_value_that_cannot_be_converted_is_a_reason_not_an_exception(string column, string text)
    {
        var encoder = new BigQueryRowEncoder(new BigQueryRowLayout(Columns));
        var row = new FlatRow();
        row.Add(column, FieldValue.FromString(text));
        using var output = new PooledBufferWriter();

        var error = encoder.Encode(output, "orders", new SinkRow(0, 0, KafkaTime, row), BigQueryTypes.ToMicros(IngestedAt));

        Assert.NotNull(error);
        Assert.Contains(column, error, StringComparison.Ordinal);
    }

    private static Dictionary<string, object> Encode(BigQueryRowEncoder encoder, SinkRow row)
    {
        using var output = new PooledBufferWriter();
        Assert.Null(encoder.Encode(output, "orders", row, BigQueryTypes.ToMicros(IngestedAt)));
        return ProtoRowReader.Read(encoder.Layout.Descriptor, output.WrittenSpan.ToArray());
    }
}
