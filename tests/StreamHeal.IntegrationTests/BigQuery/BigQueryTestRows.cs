using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Tables;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>A small table and batches of its rows, encoded the way the sink will send them.</summary>
internal static class BigQueryTestRows
{
    public static readonly TableColumn[] Columns =
    [
        new("name", ColumnType.String),
        new("n", ColumnType.Int64),
        new("day", ColumnType.Date),
    ];

    public static readonly BigQueryRowLayout Layout = new(Columns);

    /// <summary><see cref="Columns"/> and a later NULLABLE column, <c>color</c>.</summary>
    public static readonly TableColumn[] WideColumns = [.. Columns, new("color", ColumnType.String)];

    public static readonly BigQueryRowLayout WideLayout = new(WideColumns);

    /// <summary>Rows for Kafka offsets <paramref name="first"/>.. with name <c>row{offset}</c>; <paramref name="nameless"/> offsets get no name.</summary>
    public static BigQueryEncodedBatch Encode(int first, int count, int[]? nameless = null, int budget = 1 << 20) =>
        Encode(Layout, Columns, first, count, nameless, budget);

    /// <summary>Rows as <see cref="Encode(int, int, int[], int)"/> makes them, plus <c>color</c> = <c>red{offset}</c>, in <see cref="WideLayout"/>.</summary>
    public static BigQueryEncodedBatch EncodeWide(int first, int count) => Encode(WideLayout, WideColumns, first, count, nameless: null, budget: 1 << 20);

    private static BigQueryEncodedBatch Encode(BigQueryRowLayout layout, TableColumn[] columns, int first, int count, int[]? nameless, int budget)
    {
        var rows = Enumerable.Range(first, count).Select(offset =>
        {
            var row = new FlatRow();
            if (nameless is null || !nameless.Contains(offset))
            {
                row.Add("name", FieldValue.FromString($"row{offset}"));
            }

            row.Add("n", FieldValue.FromInt64(offset * 10));
            row.Add("day", FieldValue.FromString("2026-11-25"));
            if (columns.Length > Columns.Length)
            {
                row.Add("color", FieldValue.FromString($"red{offset}"));
            }

            return new SinkRow(0, offset, DateTimeOffset.UnixEpoch, row);
        }).ToArray();
        return BigQueryBatchEncoder.Encode(new BigQueryRowEncoder(layout), new SinkBatch("orders", "orders", columns, rows), DateTimeOffset.UtcNow, budget);
    }

    /// <summary>Appends the whole (single-chunk) batch.</summary>
    public static Task<Sink.BigQuery.Protos.AppendRowsResponse> AppendAsync(this BigQueryAppendConnection connection, BigQueryEncodedBatch batch, long? offset) =>
        connection.AppendAsync(batch, batch.Chunks.Single(), offset, CancellationToken.None);

    /// <summary>Appends one chunk of the batch and waits for BigQuery's answer.</summary>
    public static Task<Sink.BigQuery.Protos.AppendRowsResponse> AppendAsync(
        this BigQueryAppendConnection connection, BigQueryEncodedBatch batch, AppendChunk chunk, long? offset, CancellationToken cancellationToken) =>
        connection.AppendAsync(batch.RowsOf(chunk), chunk.RowCount, offset, cancellationToken);

    /// <summary>Appends framed rows and waits for BigQuery's answer.</summary>
    public static async Task<Sink.BigQuery.Protos.AppendRowsResponse> AppendAsync(
        this BigQueryAppendConnection connection, ReadOnlyMemory<byte> rows, int rowCount, long? offset, CancellationToken cancellationToken)
    {
        var answer = await connection.SendAsync(rows, rowCount, offset, cancellationToken);
        return await answer.WaitAsync(cancellationToken);
    }
}
