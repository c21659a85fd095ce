using System.Buffers.Text;

namespace StreamHeal.Records;

/// <summary>The one JSON rule <see cref="System.Text.Json.Utf8JsonReader"/> does not enforce itself, shared by decode and flatten.</summary>
internal static class JsonEscapes
{
    /// <summary>
    /// Whether the escapes of a JSON string's raw (still escaped) bytes pair every UTF-16 surrogate. The reader
    /// accepts <c>\uD800</c> without its pair, but such a string cannot become .NET text.
    /// </summary>
    public static bool AreValidUtf16(ReadOnlySpan<byte> escaped)
    {
        var expectLow = false;
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] != (byte)'\\')
            {
                if (expectLow)
                {
                    return false;
                }

                continue;
            }

            var kind = escaped[++i];
            if (kind != (byte)'u')
            {
                if (expectLow)
                {
                    return false;
                }

                continue;
            }

            Utf8Parser.TryParse(escaped.Slice(i + 1, 4), out ushort unit, out _, 'X');
            i += 4;
            var isHigh = unit is >= 0xD800 and <= 0xDBFF;
            var isLow = unit is >= 0xDC00 and <= 0xDFFF;
            if (isLow != expectLow)
            {
                return false;
            }

            expectLow = isHigh;
        }

        return !expectLow;
    }
}
