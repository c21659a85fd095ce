using System.Buffers;
using System.Text;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// One AppendRowsRequest with its rows already encoded: the gRPC marshaller writes it field by field around the
/// pre-framed <see cref="Rows"/> (the body of a ProtoRows message), so rows are never copied into message objects.
/// Field numbers are those of google.cloud.bigquery.storage.v1.AppendRowsRequest.
/// </summary>
internal sealed class AppendRowsFrame
{
    private const int WriteStreamField = 1;
    private const int OffsetField = 2;
    private const int ProtoRowsField = 4;
    private const int TraceIdField = 6;
    private const int WriterSchemaField = 1;
    private const int RowsField = 2;
    private const int DescriptorField = 1;
    private const int Int64ValueField = 1;

    /// <summary>Only the first request on a connection needs the stream name; null leaves it out.</summary>
    public string? WriteStream { get; init; }

    /// <summary>The stream offset the rows must start at; null appends at the end (the only choice for <c>_default</c>).</summary>
    public long? Offset { get; init; }

    /// <summary>The serialized DescriptorProto; only the first request on a connection needs it, empty leaves it out.</summary>
    public ReadOnlyMemory<byte> WriterSchema { get; init; }

    /// <summary>Rows framed as repeated <c>serialized_rows</c> (field 1, length-delimited).</summary>
    public ReadOnlyMemory<byte> Rows { get; init; }

    public int RowCount { get; init; }

    public string? TraceId { get; init; }

    /// <summary>
    /// The most bytes a request adds around its rows: stream name, schema, trace id, the largest offset and the
    /// longest length prefixes. Rows within <c>limit - overhead</c> keep the whole request within the limit.
    /// </summary>
    public static int MaxOverhead(string? writeStream, int writerSchemaLength, string? traceId)
    {
        var empty = new AppendRowsFrame { WriteStream = writeStream, Offset = -1, WriterSchema = new byte[writerSchemaLength], TraceId = traceId };
        // The ProtoData and ProtoRows length prefixes grow from one byte to at most five each as rows are added.
        return empty.ComputeSize() + 8;
    }

    public int ComputeSize() => StringSize(WriteStreamField, WriteStream) + OffsetSize() + ProtoWire.LengthDelimitedSize(ProtoRowsField, ProtoDataSize()) + StringSize(TraceIdField, TraceId);

    public void WriteTo(IBufferWriter<byte> writer)
    {
        if (!string.IsNullOrEmpty(WriteStream))
        {
            ProtoWire.WriteString(writer, WriteStreamField, WriteStream);
        }

        if (Offset is { } offset)
        {
            ProtoWire.WriteTag(writer, OffsetField, ProtoWire.WireLengthDelimited);
            ProtoWire.WriteVarint(writer, (ulong)Int64ValueSize(offset));
            if (offset != 0)
            {
                ProtoWire.WriteInt64(writer, Int64ValueField, offset);
            }
        }

        ProtoWire.WriteTag(writer, ProtoRowsField, ProtoWire.WireLengthDelimited);
        ProtoWire.WriteVarint(writer, (ulong)ProtoDataSize());
        if (!WriterSchema.IsEmpty)
        {
            ProtoWire.WriteTag(writer, WriterSchemaField, ProtoWire.WireLengthDelimited);
            ProtoWire.WriteVarint(writer, (ulong)ProtoWire.LengthDelimitedSize(DescriptorField, WriterSchema.Length));
            ProtoWire.WriteBytes(writer, DescriptorField, WriterSchema.Span);
        }

        ProtoWire.WriteBytes(writer, RowsField, Rows.Span);
        if (!string.IsNullOrEmpty(TraceId))
        {
            ProtoWire.WriteString(writer, TraceIdField, TraceId);
        }
    }

    private int ProtoDataSize()
    {
        var schema = WriterSchema.IsEmpty ? 0 : ProtoWire.LengthDelimitedSize(WriterSchemaField, ProtoWire.LengthDelimitedSize(DescriptorField, WriterSchema.Length));
        return schema + ProtoWire.LengthDelimitedSize(RowsField, Rows.Length);
    }

    private int OffsetSize() => Offset is { } offset ? ProtoWire.LengthDelimitedSize(OffsetField, Int64ValueSize(offset)) : 0;

    // proto3 leaves a zero value out, so Int64Value{0} is an empty message.
    private static int Int64ValueSize(long value) => value == 0 ? 0 : ProtoWire.TagSize(Int64ValueField) + ProtoWire.VarintSize((ulong)value);

    private static int StringSize(int field, string? value) =>
        string.IsNullOrEmpty(value) ? 0 : ProtoWire.LengthDelimitedSize(field, Encoding.UTF8.GetByteCount(value));
}
