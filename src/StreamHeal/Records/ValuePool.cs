namespace StreamHeal.Records;

/// <summary>
/// Reuses the arrays that hold Kafka values, by exact length: every reader of <see cref="IngestRecord.Value"/> takes the
/// whole array as the value, so a pooled array must be exactly as long as the value it holds. A value array was the
/// largest allocation per event (the client copies each value into a new one); with the pool, a steady run reuses the
/// arrays of records already done. Thread-safe: the poll thread rents, the sink and DLQ threads return.
/// </summary>
/// <remarks>
/// Bounded: values longer than <see cref="MaxPooledLength"/> are not pooled, and the pool keeps at most
/// <c>maxRetainedBytes</c>; what it cannot keep is left to the GC. Lengths vary from event to event, but a few hundred
/// distinct ones cover a topic's values, and thousands of records are in flight, so most lengths come back soon.
/// </remarks>
public sealed class ValuePool
{
    /// <summary>Longer values are allocated as before: rare (oversized events), and pooling them would hold their memory.</summary>
    public const int MaxPooledLength = 16 * 1024;

    private readonly Lock _gate = new();
    private readonly Stack<byte[]>?[] _byLength = new Stack<byte[]>?[MaxPooledLength + 1];
    private readonly long _maxRetainedBytes;
    private long _retainedBytes;

    public ValuePool(long maxRetainedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetainedBytes);
        _maxRetainedBytes = maxRetainedBytes;
    }

    /// <summary>Bytes held by arrays waiting to be reused.</summary>
    public long RetainedBytes
    {
        get
        {
            lock (_gate)
            {
                return _retainedBytes;
            }
        }
    }

    /// <summary>An array exactly as long as <paramref name="value"/>, holding a copy of it.</summary>
    public byte[] Copy(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return [];
        }

        byte[]? array = null;
        if (value.Length <= MaxPooledLength)
        {
            lock (_gate)
            {
                if (_byLength[value.Length] is { Count: > 0 } stack)
                {
                    array = stack.Pop();
                    _retainedBytes -= array.Length;
                }
            }
        }

        // Every byte is overwritten next, so a new array need not be zeroed.
        array ??= GC.AllocateUninitializedArray<byte>(value.Length);
        value.CopyTo(array);
        return array;
    }

    /// <summary>
    /// Keeps <paramref name="array"/> for a later value of its length. The caller gives up the array: nothing may read
    /// or write it afterwards, and it must be returned once.
    /// </summary>
    public void Return(byte[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Length is 0 or > MaxPooledLength)
        {
            return;
        }

        lock (_gate)
        {
            if (_retainedBytes + array.Length > _maxRetainedBytes)
            {
                return;
            }

            (_byLength[array.Length] ??= new Stack<byte[]>()).Push(array);
            _retainedBytes += array.Length;
        }
    }
}
