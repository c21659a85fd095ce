using System.Diagnostics.CodeAnalysis;

namespace StreamHeal.Decode.Avro;

/// <summary>
/// An Avro payload that does not match its writer schema. <see cref="ErrorType"/> is the dead-letter type:
/// <see cref="DecodeErrors.TruncatedAvro"/> when the payload ends before the schema says it should,
/// <see cref="DecodeErrors.InvalidAvro"/> for anything else the encoding forbids.
/// </summary>
public sealed class AvroDecodeException : Exception
{
    public AvroDecodeException()
        : this(DecodeErrors.InvalidAvro, "Invalid Avro payload.", -1)
    {
    }

    public AvroDecodeException(string message)
        : this(DecodeErrors.InvalidAvro, message, -1)
    {
    }

    public AvroDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrorType = DecodeErrors.InvalidAvro;
        Offset = -1;
    }

    public AvroDecodeException(string errorType, string message, int offset)
        : base(message)
    {
        ErrorType = errorType;
        Offset = offset;
    }

    /// <summary><c>truncated_avro</c> or <c>invalid_avro</c>.</summary>
    public string ErrorType { get; }

    /// <summary>Byte offset in the payload where decoding failed; -1 when unknown.</summary>
    public int Offset { get; }
}

/// <summary>Keeps message formatting and the throw itself out of the reader's hot paths.</summary>
internal static class AvroThrow
{
    [DoesNotReturn]
    public static void Truncated(int offset, long needed, int remaining) =>
        throw new AvroDecodeException(
            DecodeErrors.TruncatedAvro,
            $"Avro payload truncated at byte {offset}: {needed} more byte(s) needed, {remaining} left.",
            offset);

    [DoesNotReturn]
    public static void Invalid(int offset, string what) =>
        throw new AvroDecodeException(DecodeErrors.InvalidAvro, $"Invalid Avro at byte {offset}: {what}.", offset);
}
