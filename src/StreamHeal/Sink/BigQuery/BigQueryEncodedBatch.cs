namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// One AppendRows request's share of a batch: <see cref="RowCount"/> encoded rows starting at encoded row
/// <see cref="RowStart"/>, whose framed bytes are <see cref="ByteLength"/> bytes from <see cref="ByteStart"/>.
/// </summary>
internal readonly record struct AppendChunk(int RowStart, int RowCount, int ByteStart, int ByteLength);

/// <summary>
/// A batch encoded for BigQuery: framed rows in one pooled buffer, split into chunks that each fit one request, plus
/// the rows refused before sending (in <see cref="Result"/>). Dispose returns the buffer to the pool.
/// </summary>
internal sealed class BigQueryEncodedBatch(PooledBufferWriter rows, List<int> batchIndexes, List<AppendChunk> chunks, SinkBatchResult result) : IDisposable
{
    public IReadOnlyList<AppendChunk> Chunks => chunks;

    /// <summary>Outcomes per batch row; rows refused by the encoder are already rejected here.</summary>
    public SinkBatchResult Result => result;

    /// <summary>Rows that were encoded and will be sent.</summary>
    public int EncodedRowCount => batchIndexes.Count;

    public ReadOnlyMemory<byte> RowsOf(AppendChunk chunk) => rows.WrittenMemory.Slice(chunk.ByteStart, chunk.ByteLength);

    /// <summary>Maps a row's index within a chunk's request (as in <c>RowError.index</c>) back to its index in the batch.</summary>
    public int BatchIndexOf(AppendChunk chunk, long indexInRequest)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(indexInRequest);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(indexInRequest, chunk.RowCount);
        return batchIndexes[chunk.RowStart + (int)indexInRequest];
    }

    public void Dispose() => rows.Dispose();
}
