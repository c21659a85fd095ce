using System.Buffers;
using System.Text;

namespace StreamHeal.Tables;

/// <summary>Whether a field path can become a column.</summary>
public enum ColumnNameStatus : byte
{
    Valid,

    /// <summary>The name is StreamHeal's or BigQuery's (see <see cref="ColumnNames.IsReserved"/>).</summary>
    Reserved,

    /// <summary>A key along the path is empty, so no meaningful name exists.</summary>
    Invalid,
}

/// <summary>A sanitised column name and whether it may be used.</summary>
public readonly record struct ColumnName(string? Name, ColumnNameStatus Status);

/// <summary>Turns JSON field paths into BigQuery-safe column names: <c>[A-Za-z0-9_]</c>, not starting with a digit.</summary>
public static class ColumnNames
{
    /// <summary>Joins a parent's name to a child's: <c>a__b</c>.</summary>
    public const string DefaultSeparator = "__";

    /// <summary>BigQuery allows 300 characters in a column name.</summary>
    public const int DefaultMaxNameLength = 300;

    /// <summary>Separates keys inside an encoded path; 0xFF never occurs in UTF-8 so it cannot clash with a key.</summary>
    internal const byte PathSeparator = 0xFF;

    private const int StackallocChars = 512;
    private const int HashSuffixLength = 9;

    private static readonly string[] ReservedPrefixes =
        ["_kafka_", "_TABLE_", "_FILE_", "_PARTITION", "_ROW_TIMESTAMP", "__ROOT__", "_COLON_"];

    /// <summary>Sanitises one key (no nesting) into a column name.</summary>
    public static ColumnName Sanitize(string key, int maxNameLength = ColumnNames.DefaultMaxNameLength) =>
        FromPath(Encoding.UTF8.GetBytes(key), ColumnNames.DefaultSeparator, maxNameLength);

    /// <summary>
    /// True for names user fields may never take, compared case-insensitively: StreamHeal's own columns
    /// (<c>_kafka_*</c>, <c>_ingested_at</c>, <c>_quarantine</c>) and BigQuery's reserved prefixes.
    /// </summary>
    public static bool IsReserved(ReadOnlySpan<char> name)
    {
        if (name.Equals(ReservedColumns.IngestedAt, StringComparison.OrdinalIgnoreCase)
            || name.Equals(ReservedColumns.Quarantine, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var prefix in ReservedPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Builds the column name for a path of unescaped UTF-8 keys joined by <see cref="PathSeparator"/>.</summary>
    internal static ColumnName FromPath(ReadOnlySpan<byte> path, string separator, int maxNameLength)
    {
        // Each key byte gives at most one char, each separator byte gives the separator, plus a '_' prefix.
        var maxChars = path.Length + (path.Count(PathSeparator) * separator.Length) + 1;
        char[]? rented = null;
        var buffer = maxChars <= StackallocChars
            ? stackalloc char[StackallocChars]
            : (rented = ArrayPool<char>.Shared.Rent(maxChars));
        try
        {
            var length = Sanitize(path, separator, buffer);
            if (length < 0)
            {
                return new ColumnName(null, ColumnNameStatus.Invalid);
            }

            if (length > maxNameLength)
            {
                length = Truncate(buffer, length, maxNameLength);
            }

            var name = buffer[..length];
            return new ColumnName(name.ToString(), IsReserved(name) ? ColumnNameStatus.Reserved : ColumnNameStatus.Valid);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The 32-bit FNV-1a hash of <paramref name="text"/>'s UTF-16 code units; stable across processes.</summary>
    public static uint StableHash(ReadOnlySpan<char> text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ (byte)c) * 16777619u;
            hash = (hash ^ (byte)(c >> 8)) * 16777619u;
        }

        return hash;
    }

    /// <returns>The name's length, or -1 when a key on the path is empty.</returns>
    private static int Sanitize(ReadOnlySpan<byte> path, string separator, Span<char> buffer)
    {
        var length = 0;
        if (!path.IsEmpty && char.IsAsciiDigit((char)path[0]))
        {
            buffer[length++] = '_';
        }

        var keyIsEmpty = true;
        var i = 0;
        while (i < path.Length)
        {
            var b = path[i];
            if (b == PathSeparator)
            {
                if (keyIsEmpty)
                {
                    return -1;
                }

                separator.CopyTo(buffer[length..]);
                length += separator.Length;
                keyIsEmpty = true;
                i++;
                continue;
            }

            keyIsEmpty = false;
            if (b < 0x80)
            {
                var c = (char)b;
                buffer[length++] = char.IsAsciiLetterOrDigit(c) ? c : '_';
                i++;
            }
            else
            {
                // One '_' per character, not per byte, so "é" and "ü" both give "_" rather than "__".
                Rune.DecodeFromUtf8(path[i..], out _, out var consumed);
                buffer[length++] = '_';
                i += Math.Max(consumed, 1);
            }
        }

        return keyIsEmpty ? -1 : length;
    }

    private static int Truncate(Span<char> buffer, int length, int maxNameLength)
    {
        var hash = StableHash(buffer[..length]);
        var keep = maxNameLength - HashSuffixLength;
        buffer[keep] = '_';
        hash.TryFormat(buffer[(keep + 1)..], out _, "x8", System.Globalization.CultureInfo.InvariantCulture);
        return maxNameLength;
    }
}
