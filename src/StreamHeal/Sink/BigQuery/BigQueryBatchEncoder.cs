namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// Encodes a <see cref="SinkBatch"/> and splits it into requests that each stay within a byte limit, keeping every
/// encodable row exactly once and in batch order. A row that cannot be converted, or that alone exceeds the limit, is
/// rejected (a dead letter) instead of failing the batch.
/// </summary>
internal static class BigQueryBatchEncoder
{
    /// <param name="maxRowBytes">
    /// Bytes of framed rows one request may carry: the request limit minus <see cref="AppendRowsFrame.MaxOverhead"/>.
    /// </param>
    public static BigQueryEncodedBatch Encode(BigQueryRowEncoder encoder, SinkBatch batch, DateTimeOffset ingestedAt, int maxRowBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRowBytes, 1);
        var rows = batch.Rows;
        var result = new SinkBatchResult(rows.Count);
        var output = new PooledBufferWriter(Math.Min(maxRowBytes, 64 * 1024));
        var indexes = new List<int>(rows.Count);
        var chunks = new List<AppendChunk>();
        var ingestedMicros = BigQueryTypes.ToMicros(ingestedAt);
        using var row = new PooledBufferWriter();
        var chunkRowStart = 0;
        var chunkByteStart = 0;
        try
        {
            for (var i = 0; i < rows.Count; i++)
            {
                if (encoder.Encode(row, batch.Topic, rows[i], ingestedMicros) is { } error)
                {
                    result.Reject(i, error);
                    continue;
                }

                var framed = ProtoWire.LengthDelimitedSize(1, row.WrittenCount);
                if (framed > maxRowBytes)
                {
                    result.Reject(i, $"Row encodes to {framed} bytes, more than the {maxRowBytes} bytes one AppendRows request can carry (BigQuery MaxRequestBytes minus the request's own fields).");
                    continue;
                }

                if (output.WrittenCount - chunkByteStart + framed > maxRowBytes)
                {
                    chunks.Add(new AppendChunk(chunkRowStart, indexes.Count - chunkRowStart, chunkByteStart, output.WrittenCount - chunkByteStart));
                    chunkRowStart = indexes.Count;
                    chunkByteStart = output.WrittenCount;
                }

                ProtoWire.WriteBytes(output, 1, row.WrittenSpan);
                indexes.Add(i);
            }

            if (indexes.Count > chunkRowStart)
            {
                chunks.Add(new AppendChunk(chunkRowStart, indexes.Count - chunkRowStart, chunkByteStart, output.WrittenCount - chunkByteStart));
            }

            return new BigQueryEncodedBatch(output, indexes, chunks, result);
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }
}
