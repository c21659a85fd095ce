using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// The few protobuf wire primitives the row and request encoders need, written straight into an
/// <see cref="IBufferWriter{T}"/>. Google.Protobuf's own writer over a buffer writer is internal, and going through
/// generated messages would cost an object per row.
/// </summary>
internal static class ProtoWire
{
    public const int WireVarint = 0;
    public const int WireFixed64 = 1;
    public const int WireLengthDelimited = 2;

    /// <summary>The most bytes a varint takes (a negative int64).</summary>
    public const int MaxVarintBytes = 10;

    public static int TagSize(int field) => VarintSize((uint)field << 3);

    public static int VarintSize(ulong value) => value < 0x80 ? 1 : (BitOperations.Log2(value) / 7) + 1;

    /// <summary>Bytes of a length-delimited field holding <paramref name="length"/> bytes, tag included.</summary>
    public static int LengthDelimitedSize(int field, int length) => TagSize(field) + VarintSize((ulong)length) + length;

    public static void WriteTag(IBufferWriter<byte> writer, int field, int wireType) =>
        WriteVarint(writer, ((ulong)(uint)field << 3) | (uint)wireType);

    public static void WriteVarint(IBufferWriter<byte> writer, ulong value)
    {
        var span = writer.GetSpan(MaxVarintBytes);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        writer.Advance(i);
    }

    /// <summary>An int64 or int32 field; negative int32 values take ten bytes, as protobuf sign-extends them.</summary>
    public static void WriteInt64(IBufferWriter<byte> writer, int field, long value)
    {
        WriteTag(writer, field, WireVarint);
        WriteVarint(writer, (ulong)value);
    }

    public static void WriteBool(IBufferWriter<byte> writer, int field, bool value)
    {
        WriteTag(writer, field, WireVarint);
        WriteVarint(writer, value ? 1UL : 0UL);
    }

    public static void WriteDouble(IBufferWriter<byte> writer, int field, double value)
    {
        WriteTag(writer, field, WireFixed64);
        BinaryPrimitives.WriteDoubleLittleEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    public static void WriteString(IBufferWriter<byte> writer, int field, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteTag(writer, field, WireLengthDelimited);
        WriteVarint(writer, (ulong)length);
        var written = Encoding.UTF8.GetBytes(value, writer.GetSpan(length));
        writer.Advance(written);
    }

    public static void WriteBytes(IBufferWriter<byte> writer, int field, ReadOnlySpan<byte> value)
    {
        WriteTag(writer, field, WireLengthDelimited);
        WriteVarint(writer, (ulong)value.Length);
        value.CopyTo(writer.GetSpan(value.Length));
        writer.Advance(value.Length);
    }
}
