namespace StreamHeal.Sink.BigQuery;

/// <summary>How a stream-end search ended.</summary>
internal enum StreamEndKind : byte
{
    /// <summary>The suffix from <see cref="StreamEnd.Held"/> was appended: exactly the rows that were missing.</summary>
    Appended,
    /// <summary>The stream already holds every row of the request; nothing was appended.</summary>
    AllHeld,
    /// <summary>The answers contradict each other (the stream changed under the search): nothing is known.</summary>
    Inconsistent,
    /// <summary>An append failed for another reason (<see cref="StreamEnd.Failure"/>).</summary>
    Failed,
}

/// <param name="Held">Rows at the request's start that the stream already held.</param>
internal readonly record struct StreamEnd(StreamEndKind Kind, int Held, SinkErrorAction Failure = SinkErrorAction.None);

/// <summary>
/// Finds where a COMMITTED stream ends after a request of <c>n</c> rows at row offset <c>r</c> got ALREADY_EXISTS.
/// Appends are atomic and only accepted at exactly the stream's end, so for the suffix <c>[k, n)</c> sent at <c>r + k</c>
/// ALREADY_EXISTS means <c>k</c> is too small, OUT_OF_RANGE too large, and success means <c>r + k</c> was the end: the
/// accepted suffix is precisely what was missing. Binary search: at most ⌈log₂ n⌉ + 1 appends. Pure: the caller's
/// <c>append(k)</c> does the sending.
/// </summary>
internal static class StreamEndSearch
{
    public static async ValueTask<StreamEnd> FindAsync(int rowCount, Func<int, ValueTask<SinkErrorAction>> append)
    {
        int low = 1, high = rowCount - 1;
        while (low <= high)
        {
            var k = low + ((high - low) / 2);
            switch (await append(k).ConfigureAwait(false))
            {
                case SinkErrorAction.None:
                    return new StreamEnd(StreamEndKind.Appended, k);
                case SinkErrorAction.AlreadyWritten:
                    low = k + 1;
                    break;
                case SinkErrorAction.OffsetGap:
                    high = k - 1;
                    break;
                case var other:
                    return new StreamEnd(StreamEndKind.Failed, 0, other);
            }
        }

        // Every k below low is held; low == rowCount means the stream reaches past the request.
        return low >= rowCount ? new StreamEnd(StreamEndKind.AllHeld, rowCount) : new StreamEnd(StreamEndKind.Inconsistent, 0);
    }
}
