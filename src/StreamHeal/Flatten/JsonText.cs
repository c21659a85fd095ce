namespace StreamHeal.Flatten;

internal static class JsonText
{
    /// <summary>
    /// Copies valid JSON text to <paramref name="destination"/> without whitespace outside strings,
    /// keeping escapes and number literals byte for byte.
    /// </summary>
    /// <returns>Bytes written; never more than <paramref name="json"/>'s length.</returns>
    public static int Compact(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        var written = 0;
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var b = json[i];
            if (inString)
            {
                destination[written++] = b;
                if (b == (byte)'\\')
                {
                    destination[written++] = json[++i];
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                destination[written++] = b;
                inString = b == (byte)'"';
            }
        }

        return written;
    }
}
