using System.Buffers;

namespace StreamHeal.Records;

/// <summary>
/// Field arrays for <see cref="FlatRow"/>s, reused once the sink confirmed their rows. The array was the largest
/// allocation per event (about 400 B of the JSON hot path's 590 B), and it lives until the sink acks, long enough
/// to be copied by every young-generation collection on the way. Thread-safe.
/// </summary>
/// <remarks>
/// Not <see cref="ArrayPool{T}.Shared"/>: that keeps a few dozen arrays per size and core, while a 5,000-row batch
/// returns thousands at once and the next events need as many.
/// </remarks>
public sealed class FlatFieldPool
{
    /// <summary>Rows with more fields than this get an array of their own, which is never pooled.</summary>
    public const int MaxPooledFields = 256;

    private readonly ArrayPool<FlatField> _pool;

    /// <param name="arraysPerSize">How many free arrays of one size (16, 32, … fields) are kept; the rest go to the GC.</param>
    public FlatFieldPool(int arraysPerSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(arraysPerSize, 1);
        _pool = ArrayPool<FlatField>.Create(MaxPooledFields, arraysPerSize);
    }

    public FlatField[] Rent(int minimumLength) => _pool.Rent(minimumLength);

    /// <summary>Clears <paramref name="array"/> (so it keeps no values alive) and keeps it for the next row.</summary>
    public void Return(FlatField[] array) => _pool.Return(array, clearArray: true);
}
