using System.Buffers;
using System.Text;
using System.Text.Json;
using StreamHeal.Tables;

namespace StreamHeal.Flatten;

/// <summary>
/// The current field path as unescaped UTF-8 keys joined by <see cref="ColumnNames.PathSeparator"/>,
/// in pooled buffers. A mutable struct: pass by ref and dispose exactly once.
/// </summary>
internal struct PathBuffer : IDisposable
{
    private byte[] _bytes;
    private int[] _marks;
    private int _length;
    private int _depth;

    public PathBuffer()
    {
        _bytes = ArrayPool<byte>.Shared.Rent(256);
        _marks = ArrayPool<int>.Shared.Rent(16);
    }

    public readonly ReadOnlySpan<byte> Span => _bytes.AsSpan(0, _length);

    /// <summary>Appends the property name the reader is positioned on.</summary>
    public void Push(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (_depth == _marks.Length)
        {
            Grow(ref _marks, _depth * 2);
        }

        if (_length + raw.Length + 1 > _bytes.Length)
        {
            Grow(ref _bytes, Math.Max(_bytes.Length * 2, _length + raw.Length + 1));
        }

        _marks[_depth++] = _length;
        if (_depth > 1)
        {
            _bytes[_length++] = ColumnNames.PathSeparator;
        }

        // Unescaping never lengthens a key, so the raw length is enough room.
        _length += reader.ValueIsEscaped ? reader.CopyString(_bytes.AsSpan(_length)) : Copy(raw);
    }

    public void Pop() => _length = _marks[--_depth];

    /// <summary>The path as it arrived, keys joined by '.', for <c>_quarantine</c>; allocates.</summary>
    public readonly string ToDisplayPath()
    {
        var text = new StringBuilder(_length);
        var start = 0;
        var path = Span;
        while (true)
        {
            var end = path[start..].IndexOf(ColumnNames.PathSeparator);
            var key = end < 0 ? path[start..] : path.Slice(start, end);
            text.Append(Encoding.UTF8.GetString(key));
            if (end < 0)
            {
                return text.ToString();
            }

            text.Append('.');
            start += end + 1;
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_bytes);
        ArrayPool<int>.Shared.Return(_marks);
        _bytes = [];
        _marks = [];
    }

    private int Copy(ReadOnlySpan<byte> raw)
    {
        raw.CopyTo(_bytes.AsSpan(_length));
        return raw.Length;
    }

    private static void Grow<T>(ref T[] array, int size)
    {
        var larger = ArrayPool<T>.Shared.Rent(size);
        array.AsSpan().CopyTo(larger);
        ArrayPool<T>.Shared.Return(array);
        array = larger;
    }
}
