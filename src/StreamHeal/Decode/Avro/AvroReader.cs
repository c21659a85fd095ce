using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace StreamHeal.Decode.Avro;

/// <summary>
/// Reads the Avro binary encoding from a span. Every read checks the remaining length first and throws
/// <see cref="AvroDecodeException"/>, so corrupt input never surfaces as an index or overflow exception.
/// A mutable struct: pass by ref.
/// </summary>
internal ref struct AvroReader
{
    // A zig-zag varint of a long takes at most 10 bytes; the 10th may only carry the top bit.
    private const int MaxVarintBytes = 10;

    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public AvroReader(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public long ReadLong()
    {
        ulong raw = 0;
        var shift = 0;
        for (var i = 0; i < MaxVarintBytes; i++)
        {
            if (_position >= _buffer.Length)
            {
                AvroThrow.Truncated(_position, 1, 0);
            }

            var b = _buffer[_position++];
            if (i == MaxVarintBytes - 1 && b > 1)
            {
                AvroThrow.Invalid(_position - 1, "varint overflows 64 bits");
            }

            raw |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return (long)(raw >> 1) ^ -(long)(raw & 1);
            }

            shift += 7;
        }

        AvroThrow.Invalid(_position, "varint longer than 10 bytes");
        return 0;
    }

    public int ReadInt()
    {
        var start = _position;
        var value = ReadLong();
        if (value is < int.MinValue or > int.MaxValue)
        {
            AvroThrow.Invalid(start, $"int value {value} is outside the 32-bit range");
        }

        return (int)value;
    }

    public bool ReadBoolean()
    {
        var b = Take(1)[0];
        if (b > 1)
        {
            AvroThrow.Invalid(_position - 1, $"boolean byte is {b}, not 0 or 1");
        }

        return b == 1;
    }

    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>A length-prefixed byte sequence (Avro bytes or string), as a slice of the payload.</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        var start = _position;
        var length = ReadLong();
        if (length < 0)
        {
            AvroThrow.Invalid(start, $"negative length {length}");
        }

        if (length > Remaining)
        {
            AvroThrow.Truncated(_position, length, Remaining);
        }

        return Take((int)length);
    }

    /// <summary>A union branch or enum symbol index, checked against the number of choices.</summary>
    public int ReadIndex(int count, string what)
    {
        var start = _position;
        var index = ReadLong();
        if (index < 0 || index >= count)
        {
            AvroThrow.Invalid(start, $"{what} index {index} is outside 0..{count - 1}");
        }

        return (int)index;
    }

    /// <summary>
    /// The item count of the next array or map block (0 ends the sequence). A negative count is followed
    /// by the block's size in bytes, which is checked and then not needed.
    /// </summary>
    /// <param name="minItemBytes">The fewest bytes one item can take; 0 for items that may encode to nothing.</param>
    /// <param name="maxZeroSizeItems">The most items allowed when they may encode to nothing.</param>
    public long ReadBlockCount(int minItemBytes, long maxZeroSizeItems)
    {
        var start = _position;
        var count = ReadLong();
        if (count < 0)
        {
            if (count == long.MinValue)
            {
                AvroThrow.Invalid(start, "block count overflows");
            }

            count = -count;
            var sizeStart = _position;
            var size = ReadLong();
            if (size < 0)
            {
                AvroThrow.Invalid(sizeStart, $"negative block size {size}");
            }

            if (size > Remaining)
            {
                AvroThrow.Truncated(_position, size, Remaining);
            }
        }

        if (minItemBytes > 0 && count > Remaining / minItemBytes)
        {
            AvroThrow.Truncated(_position, count * minItemBytes, Remaining);
        }

        if (minItemBytes == 0 && count > maxZeroSizeItems)
        {
            AvroThrow.Invalid(start, $"block of {count} empty items is over the limit of {maxZeroSizeItems}");
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Take(int length)
    {
        if (length > Remaining)
        {
            AvroThrow.Truncated(_position, length, Remaining);
        }

        var slice = _buffer.Slice(_position, length);
        _position += length;
        return slice;
    }
}
