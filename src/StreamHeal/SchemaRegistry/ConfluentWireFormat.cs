using System.Buffers;
using System.Buffers.Binary;

namespace StreamHeal.SchemaRegistry;

public enum WireFormatFailure
{
    None,
    /// <summary>Fewer than <see cref="ConfluentWireFormat.HeaderLength"/> bytes.</summary>
    TooShort,
    /// <summary>The first byte is not <see cref="ConfluentWireFormat.MagicByte"/>.</summary>
    UnknownMagicByte,
}

/// <summary>
/// The Confluent framing in front of a serialized value: magic byte 0, then the schema id as a
/// 4-byte big-endian integer, then the payload.
/// </summary>
public static class ConfluentWireFormat
{
    public const byte MagicByte = 0;
    public const int HeaderLength = 5;

    public static bool TryReadHeader(ReadOnlySpan<byte> value, out int schemaId, out ReadOnlySpan<byte> payload) =>
        TryReadHeader(value, out schemaId, out payload, out _);

    public static bool TryReadHeader(
        ReadOnlySpan<byte> value, out int schemaId, out ReadOnlySpan<byte> payload, out WireFormatFailure failure)
    {
        failure = value.Length < HeaderLength ? WireFormatFailure.TooShort
            : value[0] != MagicByte ? WireFormatFailure.UnknownMagicByte
            : WireFormatFailure.None;
        if (failure != WireFormatFailure.None)
        {
            schemaId = 0;
            payload = default;
            return false;
        }

        schemaId = BinaryPrimitives.ReadInt32BigEndian(value.Slice(1, 4));
        payload = value[HeaderLength..];
        return true;
    }

    /// <summary>Writes the 5-byte header; the caller writes the payload after it.</summary>
    public static void Write(IBufferWriter<byte> writer, int schemaId)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var header = writer.GetSpan(HeaderLength);
        header[0] = MagicByte;
        BinaryPrimitives.WriteInt32BigEndian(header.Slice(1, 4), schemaId);
        writer.Advance(HeaderLength);
    }

    /// <summary>Why <paramref name="value"/> was rejected, in words for a dead-letter reason or a log line.</summary>
    public static string DescribeFailure(ReadOnlySpan<byte> value) =>
        value.Length < HeaderLength
            ? $"value is {value.Length} byte(s); a Confluent-framed value needs at least {HeaderLength} (magic byte 0 and a 4-byte schema id)"
            : value[0] != MagicByte
                ? $"magic byte is 0x{value[0]:X2}, expected 0x00: the value was not written by a Confluent serializer"
                  + (value[0] is (byte)'{' or (byte)'[' ? " (it looks like plain JSON)" : "")
                : "value is a valid Confluent-framed value";
}
