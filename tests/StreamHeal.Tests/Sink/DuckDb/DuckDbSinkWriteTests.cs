using StreamHeal.Records;
using StreamHeal.Sink;
using Xunit;
using static StreamHeal.Tests.Sink.DuckDb.DuckDbTestFile;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Sink.DuckDb;

public sealed class DuckDbSinkWriteTests : IDisposable
{
    private readonly DuckDbTestFile _file = new();

    [Fact]
    public async Task Every_column_type_round_trips()
    {
        TableColumn[] columns =
        [
            new("s", ColumnType.String), new("i", ColumnType.Int64), new("f", ColumnType.Float64),
            new("n", ColumnType.Numeric), new("bn", ColumnType.BigNumeric), new("b", ColumnType.Bool),
            new("by", ColumnType.Bytes), new("d", ColumnType.Date), new("ts", ColumnType.Timestamp), new("j", ColumnType.Json),
        ];
        var row = Row(
            0,
            7,
            ("s", FieldValue.FromString("héllo \"x\"")),
            ("i", FieldValue.FromInt64(long.MinValue)),
            ("f", FieldValue.FromDouble(1.5)),
            ("n", FieldValue.FromBigInteger("12345678901234567890")),
            ("bn", FieldValue.FromBigInteger("123456789012345678901234567890123456789012345678901234567890")),
            ("b", FieldValue.FromBool(true)),
            ("by", FieldValue.FromString(Convert.ToBase64String([1, 2, 255]))),
            ("d", FieldValue.FromString("2024-02-29")),
            ("ts", FieldValue.FromString("2024-01-02T03:04:05.123456+02:00")),
            ("j", FieldValue.FromJson("""{"a":[1,2]}""")));

        await using (var sink = _file.OpenSink())
        {
            var result = await sink.WriteAsync(MakeBatch("all_types", [row], columns), CancellationToken.None);
            Assert.Equal(RowOutcome.Written, result[0]);
        }

        using var reader = _file.OpenReader();
        var stored = Assert.Single(reader.ReadRows("all_types"));
        Assert.Equal("héllo \"x\"", stored["s"]);
        Assert.Equal(long.MinValue, stored["i"]);
        Assert.Equal(1.5, stored["f"]);
        Assert.Equal(12345678901234567890m, stored["n"]);
        Assert.Equal("123456789012345678901234567890123456789012345678901234567890", stored["bn"]);
        Assert.Equal(true, stored["b"]);
        Assert.Equal(new byte[] { 1, 2, 255 }, stored["by"]);
        Assert.Equal(new DateOnly(2024, 2, 29), stored["d"]);
        Assert.Equal(new DateTime(2024, 1, 2, 1, 4, 5, 123, 456, DateTimeKind.Utc), ((DateTime)stored["ts"]!).ToUniversalTime());
        Assert.Equal("""{"a":[1,2]}""", stored["j"]);
        Assert.Equal(DuckDbTestFile.Topic, stored["_kafka_topic"]);
        Assert.Equal(0, stored["_kafka_partition"]);
        Assert.Equal(7L, stored["_kafka_offset"]);
        Assert.Null(stored["_quarantine"]);

        var types = reader.ReadColumns("all_types").ToDictionary(c => c.Name, c => c.Type);
        Assert.Equal("DECIMAL(38,9)", types["n"]);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["ts"]);
        Assert.Equal("BLOB", types["by"]);
    }

    [Fact]
    public async Task Values_convert_to_wider_column_types_and_absent_fields_are_null()
    {
        TableColumn[] columns =
        [
            new("f", ColumnType.Float64), new("s", ColumnType.String), new("n", ColumnType.Numeric),
            new("bn", ColumnType.BigNumeric), new("j", ColumnType.Json), new("missing", ColumnType.Int64),
        ];
        var row = Row(
            0,
            0,
            ("f", FieldValue.FromInt64(3)),
            ("s", FieldValue.FromJson("[1]")),
            ("n", FieldValue.FromInt64(-42)),
            ("bn", FieldValue.FromInt64(5)),
            ("j", FieldValue.FromString("text")));

        await using (var sink = _file.OpenSink())
        {
            await sink.WriteAsync(MakeBatch("widen", [row, Row(0, 1, ("s", FieldValue.FromBigInteger("99999999999999999999")), ("f", FieldValue.Null))], columns), CancellationToken.None);
        }

        using var reader = _file.OpenReader();
        var rows = reader.ReadRows("widen");
        Assert.Equal(3.0, rows[0]["f"]);
        Assert.Equal("[1]", rows[0]["s"]);
        Assert.Equal(-42m, rows[0]["n"]);
        Assert.Equal("5", rows[0]["bn"]);
        Assert.Equal("\"text\"", rows[0]["j"]);
        Assert.Null(rows[0]["missing"]);
        Assert.Equal("99999999999999999999", rows[1]["s"]);
        Assert.Null(rows[1]["f"]);
        Assert.Null(rows[1]["n"]);
    }

    [Fact]
    public async Task Strings_kept_in_the_events_bytes_are_stored_with_their_text()
    {
        TableColumn[] columns = [new("s", ColumnType.String)];
        var bytes = System.Text.Encoding.UTF8.GetBytes("[héllo 😀][][plain]");
        var rows = new[]
        {
            Row(0, 0, ("s", FieldValue.FromUtf8(bytes, 1, 11))),
            Row(0, 1, ("s", FieldValue.FromUtf8(bytes, 14, 0))),
            Row(0, 2, ("s", FieldValue.FromUtf8(bytes, 16, 5))),
            Row(0, 3, ("s", FieldValue.FromString("a string"))),
        };

        await using (var sink = _file.OpenSink())
        {
            var result = await sink.WriteAsync(MakeBatch("utf8", rows, columns), CancellationToken.None);
            Assert.All(Enumerable.Range(0, rows.Length), i => Assert.Equal(RowOutcome.Written, result[i]));
        }

        using var reader = _file.OpenReader();
        var stored = reader.ReadRows("utf8").OrderBy(static r => (long)r["_kafka_offset"]!).Select(static r => r["s"]).ToArray();
        Assert.Equal(["héllo 😀", "", "plain", "a string"], stored);
    }

    // DuckDB stores a VARCHAR that is not UTF-8 as NULL and says nothing: such bytes must be refused before it, loudly.
    [Fact]
    public async Task Bytes_that_are_not_utf8_are_rejected_not_stored_as_null()
    {
        TableColumn[] columns = [new("s", ColumnType.String)];
        byte[] bytes = [0x61, 0xff, 0xfe, 0x62];
        await using var sink = _file.OpenSink();

        var result = await sink.WriteAsync(
            MakeBatch("not_utf8", [Row(0, 0, ("s", FieldValue.FromUtf8(bytes, 0, 4))), Row(0, 1, ("s", FieldValue.FromUtf8(bytes, 0, 1)))], columns),
            CancellationToken.None);

        Assert.Equal(RowOutcome.Rejected, result[0]);
        Assert.Contains("'s' (String", result.ErrorFor(0), StringComparison.Ordinal);
        Assert.Equal(RowOutcome.Written, result[1]);
        using var reader = _file.OpenReader();
        Assert.Equal("a", Assert.Single(reader.ReadRows("not_utf8"))["s"]);
    }

    [Fact]
    public async Task A_value_that_cannot_convert_is_rejected_with_a_reason_and_the_rest_is_written()
    {
        TableColumn[] columns = [new("d", ColumnType.Date)];
        await using var sink = _file.OpenSink();

        var result = await sink.WriteAsync(
            MakeBatch("bad", [Row(0, 0, ("d", FieldValue.FromString("2024-13-45"))), Row(0, 1, ("d", FieldValue.FromString("2024-01-01")))], columns),
            CancellationToken.None);

        Assert.Equal(RowOutcome.Rejected, result[0]);
        Assert.Contains("'d' (Date", result.ErrorFor(0), StringComparison.Ordinal);
        Assert.Contains("2024-13-45", result.ErrorFor(0), StringComparison.Ordinal);
        Assert.Equal(RowOutcome.Written, result[1]);
        using var reader = _file.OpenReader();
        Assert.Equal(1, reader.CountRows("bad"));
    }

    [Fact]
    public async Task New_columns_appear_mid_stream_and_earlier_rows_read_null()
    {
        await using var sink = _file.OpenSink();
        await sink.WriteAsync(MakeBatch("grow", Rows(0, 0, 3)), CancellationToken.None);

        TableColumn[] grown = [new("id", ColumnType.Int64), new("name with \"quote\"", ColumnType.String)];
        var ensured = await sink.EnsureTableAsync("grow", grown, CancellationToken.None);
        Assert.Equal(grown, ensured);
        var later = Row(0, 3, ("id", FieldValue.FromInt64(3)), ("name with \"quote\"", FieldValue.FromString("new")));
        await sink.WriteAsync(MakeBatch("grow", [later], grown), CancellationToken.None);

        // A batch may also bring a column that was never ensured; the sink adds it before appending.
        TableColumn[] more = [.. grown, new("extra", ColumnType.Bool)];
        await sink.WriteAsync(MakeBatch("grow", [Row(0, 4, ("extra", FieldValue.FromBool(false)))], more), CancellationToken.None);

        using var reader = _file.OpenReader();
        var rows = reader.ReadRows("grow");
        Assert.Equal(5, rows.Count);
        Assert.All(rows.Take(3), r => Assert.Null(r["name with \"quote\""]));
        Assert.All(rows.Take(4), r => Assert.Null(r["extra"]));
        Assert.Equal("new", rows[3]["name with \"quote\""]);
        Assert.Equal(false, rows[4]["extra"]);
    }

    [Fact]
    public async Task Quarantine_json_round_trips()
    {
        var row = Row(2, 10, ("id", FieldValue.FromInt64(1)));
        row.Row.AddQuarantine(new QuarantinedField("price", "\"12.5\"", QuarantineReasons.TypeFlip, "FLOAT64", "STRING"));

        await using var sink = _file.OpenSink();
        await sink.WriteAsync(MakeBatch("q", [row]), CancellationToken.None);

        using var reader = _file.OpenReader();
        var stored = Assert.Single(reader.ReadRows("q"));
        Assert.Equal(row.Row.QuarantineJson(), stored["_quarantine"]);
        Assert.Contains("\"reason\":\"type_flip\"", (string)stored["_quarantine"]!, StringComparison.Ordinal);
    }

    public void Dispose() => _file.Dispose();
}
