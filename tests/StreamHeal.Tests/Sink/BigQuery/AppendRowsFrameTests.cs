using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.BigQuery.Protos;
using Xunit;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Sink.BigQuery;

public sealed class AppendRowsFrameTests
{
    private static readonly BigQueryRowLayout Layout = new([new TableColumn("name", ColumnType.String)]);

    [Theory]
    [InlineData(null)]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(long.MaxValue)]
    public void The_generated_parser_reads_a_hand_written_request(long? offset)
    {
        using var batch = EncodeBatch(3);
        var chunk = Assert.Single(batch.Chunks);
        var frame = new AppendRowsFrame
        {
            WriteStream = "projects/p/datasets/d/tables/t/streams/s1",
            Offset = offset,
            WriterSchema = Layout.DescriptorBytes,
            Rows = batch.RowsOf(chunk),
            RowCount = chunk.RowCount,
            TraceId = "StreamHeal",
        };
        using var output = new PooledBufferWriter();

        frame.WriteTo(output);
        var request = AppendRowsRequest.Parser.ParseFrom(output.WrittenSpan);

        Assert.Equal(frame.ComputeSize(), output.WrittenCount);
        Assert.Equal("projects/p/datasets/d/tables/t/streams/s1", request.WriteStream);
        Assert.Equal(offset, request.Offset);
        Assert.Equal("StreamHeal", request.TraceId);
        Assert.Equal(Layout.Descriptor, request.ProtoRows.WriterSchema.ProtoDescriptor);
        Assert.Equal(
            ["a0", "a1", "a2"],
            request.ProtoRows.Rows.SerializedRows.Select(row => (string)ProtoRowReader.Read(Layout.Descriptor, row.ToByteArray())["name"]));
    }

    [Fact]
    public void Later_requests_on_a_connection_leave_out_the_stream_schema_and_trace_id()
    {
        using var batch = EncodeBatch(1);
        var frame = new AppendRowsFrame { Rows = batch.RowsOf(batch.Chunks[0]), RowCount = 1 };
        using var output = new PooledBufferWriter();

        frame.WriteTo(output);
        var request = AppendRowsRequest.Parser.ParseFrom(output.WrittenSpan);

        Assert.Equal("", request.WriteStream);
        Assert.Null(request.Offset);
        Assert.Null(request.ProtoRows.WriterSchema);
        Assert.Single(request.ProtoRows.Rows.SerializedRows);
    }

    private static BigQueryEncodedBatch EncodeBatch(int rows)
    {
        var sinkRows = Enumerable.Range(0, rows).Select(i =>
        {
            var row = new FlatRow();
            row.Add("name", FieldValue.FromString("a" + i));
            return new SinkRow(0, i, DateTimeOffset.UnixEpoch, row);
        }).ToArray();
        return BigQueryBatchEncoder.Encode(new BigQueryRowEncoder(Layout), new SinkBatch("t", "topic", [], sinkRows), DateTimeOffset.UnixEpoch, 1 << 20);
    }
}
