using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using Xunit;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Sink.BigQuery;

public sealed class BigQueryBatchEncoderProperties
{
    private const string StreamName = "projects/p/datasets/d/tables/t/streams/0123456789abcdef";

    private static readonly BigQueryRowLayout Layout = new([new TableColumn("text", ColumnType.String)]);

    private static Arbitrary<(int[] Lengths, int Limit)> Batches() =>
        Gen.Zip(Gen.Choose(0, 600).ArrayOf(), Gen.Choose(400, 4000)).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Every_request_fits_the_limit_and_every_row_is_sent_once_in_order_or_rejected() =>
        Prop.ForAll(Batches(), batch =>
        {
            var (lengths, limit) = batch;
            var rows = lengths.Select((length, i) =>
            {
                var row = new FlatRow();
                row.Add("text", FieldValue.FromString(new string('x', length)));
                return new SinkRow(i % 3, i, DateTimeOffset.UnixEpoch, row);
            }).ToArray();
            var overhead = AppendRowsFrame.MaxOverhead(StreamName, Layout.DescriptorBytes.Length, BigQueryWriteOptions.DefaultTraceId);
            using var encoded = BigQueryBatchEncoder.Encode(new BigQueryRowEncoder(Layout), new SinkBatch("t", "topic", [], rows), DateTimeOffset.UnixEpoch, limit - overhead);

            var sent = new List<long>();
            foreach (var chunk in encoded.Chunks)
            {
                // The worst case: every request names the stream, carries the schema and the largest offset.
                var frame = new AppendRowsFrame
                {
                    WriteStream = StreamName,
                    WriterSchema = Layout.DescriptorBytes,
                    TraceId = BigQueryWriteOptions.DefaultTraceId,
                    Offset = long.MaxValue,
                    Rows = encoded.RowsOf(chunk),
                    RowCount = chunk.RowCount,
                };
                Assert.True(frame.ComputeSize() <= limit, $"A request of {frame.ComputeSize()} bytes exceeds the {limit}-byte limit.");
                Assert.True(chunk.RowCount > 0);
                var decoded = ProtoRowReader.Unframe(encoded.RowsOf(chunk));
                Assert.Equal(chunk.RowCount, decoded.Count);
                for (var i = 0; i < decoded.Count; i++)
                {
                    var offset = (long)ProtoRowReader.Read(Layout.Descriptor, decoded[i])[ReservedColumns.KafkaOffset];
                    Assert.Equal(encoded.BatchIndexOf(chunk, i), (int)offset);
                    sent.Add(offset);
                }
            }

            var rejected = Enumerable.Range(0, rows.Length).Where(i => encoded.Result[i] == RowOutcome.Rejected).Select(i => (long)i).ToList();
            // Sent rows keep batch order; a row is rejected only when it alone cannot fit a request.
            Assert.Equal(sent.Order(), sent);
            Assert.Equal(Enumerable.Range(0, rows.Length).Select(i => (long)i), sent.Concat(rejected).Order());
            Assert.All(rejected, i => Assert.Contains("more than", encoded.Result.ErrorFor((int)i), StringComparison.Ordinal));
        });
}
