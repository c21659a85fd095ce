using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Tables;

namespace StreamHeal.Benchmarks;

/// <summary>
/// BigQuery sink rows: one filtered corpus row encoded as the proto2 row message of the table's
/// <see cref="BigQueryRowLayout"/>. Baseline is Google.Protobuf's <see cref="CodedOutputStream"/> writing the same fields
/// into an exactly sized array per row (what encoding without generated messages looks like with the library alone);
/// then <see cref="BigQueryRowEncoder"/> into a reused pooled buffer, and <see cref="BigQueryBatchEncoder"/> over
/// 5,000-row batches (framing and request splitting included). Figures are per row.
/// </summary>
[MemoryDiagnoser]
public class BigQueryEncodeBenchmarks
{
    private const int BatchRows = 5_000;

    private static readonly DateTimeOffset IngestedAt = DateTimeOffset.UnixEpoch.AddDays(20_000);

    private SinkRow[] _rows = [];
    private SinkBatch[] _batches = [];
    private BigQueryRowLayout _layout = null!;
    private BigQueryRowEncoder _encoder = null!;
    private PooledBufferWriter _output = null!;
    private long _ingestedMicros;
    private int _maxRowBytes;

    [GlobalSetup]
    public void Setup()
    {
        var (rows, schema) = Corpus.FilteredJsonRows();
        var columns = schema.Current.Columns;
        var timestamp = DateTimeOffset.UnixEpoch.AddDays(19_999);
        _rows = new SinkRow[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            _rows[i] = new SinkRow(i % 64, i, timestamp.AddMilliseconds(i), rows[i]);
        }

        _batches = _rows.Chunk(BatchRows).Select(chunk => new SinkBatch(Corpus.Table, Corpus.Topic, columns, chunk)).ToArray();
        var layout = _layout = new BigQueryRowLayout(columns);
        _encoder = new BigQueryRowEncoder(layout);
        _output = new PooledBufferWriter();
        _ingestedMicros = BigQueryTypes.ToMicros(IngestedAt);
        _maxRowBytes = BigQueryWriteOptions.DefaultMaxRequestBytes - AppendRowsFrame.MaxOverhead("projects/p/datasets/d/tables/events/streams/_default", layout.DescriptorBytes.Length, BigQueryWriteOptions.DefaultTraceId);

        // Both encoders must write the same bytes, or the comparison means nothing.
        foreach (var row in _rows)
        {
            if (_encoder.Encode(_output, Corpus.Topic, row, _ingestedMicros) is { } error)
            {
                throw new InvalidOperationException(error);
            }

            if (!_output.WrittenSpan.SequenceEqual(CodedOutputStreamRow.Encode(layout, Corpus.Topic, row, _ingestedMicros)))
            {
                throw new InvalidOperationException($"The baseline encodes row {row.Offset} differently.");
            }
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Corpus.Events)]
    public int GoogleProtobufCodedOutputStream()
    {
        var bytes = 0;
        foreach (var row in _rows)
        {
            bytes += CodedOutputStreamRow.Encode(_layout, Corpus.Topic, row, _ingestedMicros).Length;
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int RowEncoder()
    {
        var bytes = 0;
        foreach (var row in _rows)
        {
            _encoder.Encode(_output, Corpus.Topic, row, _ingestedMicros);
            bytes += _output.WrittenCount;
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int BatchEncoder()
    {
        var rows = 0;
        foreach (var batch in _batches)
        {
            using var encoded = BigQueryBatchEncoder.Encode(_encoder, batch, IngestedAt, _maxRowBytes);
            rows += encoded.EncodedRowCount;
        }

        return rows;
    }

    [GlobalCleanup]
    public void Cleanup() => _output.Dispose();

    /// <summary>
    /// The same row message through Google.Protobuf's public API: sizes computed first, then one array per row. Only the
    /// value kinds the corpus holds (its columns are STRING, INT64, FLOAT64, BOOL and JSON).
    /// </summary>
    private static class CodedOutputStreamRow
    {
        public static byte[] Encode(BigQueryRowLayout layout, string topic, in SinkRow row, long ingestedMicros)
        {
            var timestampMicros = BigQueryTypes.ToMicros(row.Timestamp);
            var quarantine = row.Row.QuarantineJson();
            var size = Tag(1) + CodedOutputStream.ComputeStringSize(topic)
                + Tag(2) + CodedOutputStream.ComputeInt64Size(row.Partition)
                + Tag(3) + CodedOutputStream.ComputeInt64Size(row.Offset)
                + Tag(4) + CodedOutputStream.ComputeInt64Size(timestampMicros)
                + Tag(5) + CodedOutputStream.ComputeInt64Size(ingestedMicros)
                + (quarantine is null ? 0 : Tag(6) + CodedOutputStream.ComputeStringSize(quarantine));
            var fields = row.Row.Fields;
            for (var i = 0; i < fields.Count; i++)
            {
                if (!fields[i].Value.IsNull && layout.TryGetUserField(fields[i].Name, out var index))
                {
                    size += Tag(layout.Fields[index].Number) + ValueSize(layout.Fields[index].Type, fields[i].Value);
                }
            }

            var bytes = new byte[size];
            var output = new CodedOutputStream(bytes);
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString(topic);
            WriteInt64(output, 2, row.Partition);
            WriteInt64(output, 3, row.Offset);
            WriteInt64(output, 4, timestampMicros);
            WriteInt64(output, 5, ingestedMicros);
            if (quarantine is not null)
            {
                output.WriteTag(6, WireFormat.WireType.LengthDelimited);
                output.WriteString(quarantine);
            }

            for (var i = 0; i < fields.Count; i++)
            {
                if (!fields[i].Value.IsNull && layout.TryGetUserField(fields[i].Name, out var index))
                {
                    WriteValue(output, layout.Fields[index].Number, layout.Fields[index].Type, fields[i].Value);
                }
            }

            output.CheckNoSpaceLeft();
            return bytes;
        }

        private static int Tag(int number) => CodedOutputStream.ComputeTagSize(number);

        private static int ValueSize(ColumnType type, in FieldValue value) => type switch
        {
            ColumnType.Int64 => CodedOutputStream.ComputeInt64Size(value.AsInt64),
            ColumnType.Float64 => CodedOutputStream.ComputeDoubleSize(0),
            ColumnType.Bool => CodedOutputStream.ComputeBoolSize(value.AsBool),
            ColumnType.Json => CodedOutputStream.ComputeStringSize(value.Kind == FieldKind.Json ? value.AsText! : value.ToJsonLiteral()),
            _ => CodedOutputStream.ComputeStringSize(value.AsText!),
        };

        private static void WriteInt64(CodedOutputStream output, int number, long value)
        {
            output.WriteTag(number, WireFormat.WireType.Varint);
            output.WriteInt64(value);
        }

        private static void WriteValue(CodedOutputStream output, int number, ColumnType type, in FieldValue value)
        {
            switch (type)
            {
                case ColumnType.Int64:
                    WriteInt64(output, number, value.AsInt64);
                    break;
                case ColumnType.Float64:
                    output.WriteTag(number, WireFormat.WireType.Fixed64);
                    output.WriteDouble(value.Kind == FieldKind.Int64 ? value.AsInt64 : value.AsDouble);
                    break;
                case ColumnType.Bool:
                    output.WriteTag(number, WireFormat.WireType.Varint);
                    output.WriteBool(value.AsBool);
                    break;
                case ColumnType.Json:
                    output.WriteTag(number, WireFormat.WireType.LengthDelimited);
                    output.WriteString(value.Kind == FieldKind.Json ? value.AsText! : value.ToJsonLiteral());
                    break;
                case ColumnType.String:
                    output.WriteTag(number, WireFormat.WireType.LengthDelimited);
                    output.WriteString(value.AsText!);
                    break;
                default:
                    throw new InvalidOperationException($"The corpus has no {type} column.");
            }
        }
    }
}
