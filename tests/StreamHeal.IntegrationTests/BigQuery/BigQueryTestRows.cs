using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>A small table and batches of its rows, encoded the way the sink will send them.</summary>
internal static class BigQueryTestRows
{
    public static readonly SinkColumn[] Columns =
    [
        new("name", ColumnType.String),
        new("n", ColumnType.Int64),
        new("day", ColumnType.Date),
    ];

    public static readonly BigQueryRowLayout Layout = new(Columns);

    /// <summary>Rows for Kafka offsets <paramref name="first"/>.. with name <c>row{offset}</c>; <paramref name="nameless"/> offsets get no name.</summary>
    public static BigQueryEncodedBatch Encode(int first, int count, int[]? nameless = null, int budget = 1 << 20)
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
            return new SinkRow(0, offset, DateTimeOffset.UnixEpoch, row);
        }).ToArray();
        return BigQueryBatchEncoder.Encode(new BigQueryRowEncoder(Layout), new SinkBatch("orders", "orders", Columns, rows), DateTimeOffset.UtcNow, budget);
    }

    /// <summary>Appends the whole (single-chunk) batch.</summary>
    public static Task<Sink.BigQuery.Protos.AppendRowsResponse> AppendAsync(this BigQueryAppendConnection connection, BigQueryEncodedBatch batch, long? offset) =>
        connection.AppendAsync(batch, batch.Chunks.Single(), offset, CancellationToken.None);
}
