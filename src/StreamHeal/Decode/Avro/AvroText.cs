using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;

namespace StreamHeal.Decode.Avro;

/// <summary>Text forms of Avro logical values; each allocates only the returned string.</summary>
internal static class AvroText
{
    private const int StackallocChars = 256;
    private const long UnixEpochDayNumber = 719_162;
    private const long MaxDayNumber = 3_652_058;

    /// <summary>The exact decimal text of a two's-complement big-endian unscaled value: no exponent, no rounding.</summary>
    public static string Decimal(ReadOnlySpan<byte> bigEndian, int scale)
    {
        // ~2.41 decimal digits per byte, plus sign, point and leading zeros.
        var maxChars = (bigEndian.Length * 3) + scale + 4;
        char[]? rented = null;
        var buffer = maxChars <= StackallocChars ? stackalloc char[StackallocChars] : (rented = ArrayPool<char>.Shared.Rent(maxChars));
        try
        {
            var length = FormatDecimal(bigEndian, scale, buffer);
            return new string(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>"yyyy-MM-dd", or null when the day is outside years 1-9999.</summary>
    public static string? Date(int daysSinceEpoch)
    {
        var dayNumber = daysSinceEpoch + UnixEpochDayNumber;
        return dayNumber is < 0 or > MaxDayNumber
            ? null
            : DateOnly.FromDayNumber((int)dayNumber).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    /// <summary>ISO-8601 with millisecond or microsecond digits; UTC ones end in 'Z'. Null outside years 1-9999.</summary>
    public static string? Timestamp(long value, AvroKind kind)
    {
        var micros = kind is AvroKind.TimestampMicros or AvroKind.LocalTimestampMicros;
        var ticksPerUnit = micros ? 10 : TimeSpan.TicksPerMillisecond;
        var minUnits = (DateTime.MinValue.Ticks - DateTime.UnixEpoch.Ticks) / ticksPerUnit;
        var maxUnits = (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / ticksPerUnit;
        if (value < minUnits || value > maxUnits)
        {
            return null;
        }

        var time = new DateTime(DateTime.UnixEpoch.Ticks + (value * ticksPerUnit), DateTimeKind.Utc);
        var format = (micros, kind is AvroKind.TimestampMillis or AvroKind.TimestampMicros) switch
        {
            (true, true) => "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'",
            (true, false) => "yyyy-MM-dd'T'HH:mm:ss.ffffff",
            (false, true) => "yyyy-MM-dd'T'HH:mm:ss.fff'Z'",
            (false, false) => "yyyy-MM-dd'T'HH:mm:ss.fff",
        };
        return time.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>An ISO-8601 duration from Avro's three little-endian unsigned ints: "P{months}M{days}DT{seconds}.{millis}S".</summary>
    public static string Duration(ReadOnlySpan<byte> twelveBytes)
    {
        var months = BinaryPrimitives.ReadUInt32LittleEndian(twelveBytes);
        var days = BinaryPrimitives.ReadUInt32LittleEndian(twelveBytes[4..]);
        var millis = BinaryPrimitives.ReadUInt32LittleEndian(twelveBytes[8..]);
        return string.Create(CultureInfo.InvariantCulture, $"P{months}M{days}DT{millis / 1000}.{millis % 1000:000}S");
    }

    private static int FormatDecimal(ReadOnlySpan<byte> bigEndian, int scale, Span<char> buffer)
    {
        var negative = !bigEndian.IsEmpty && bigEndian[0] >= 0x80;
        var digits = buffer[(scale + 3)..];
        int written;
        if (bigEndian.Length <= 8)
        {
            long value = negative ? -1 : 0;
            foreach (var b in bigEndian)
            {
                value = (value << 8) | b;
            }

            // Via ulong so long.MinValue has a magnitude.
            var magnitude = negative ? (ulong)(-(value + 1)) + 1 : (ulong)value;
            magnitude.TryFormat(digits, out written, default, CultureInfo.InvariantCulture);
        }
        else
        {
            var value = BigInteger.Abs(new BigInteger(bigEndian, isUnsigned: false, isBigEndian: true));
            value.TryFormat(digits, out written, default, CultureInfo.InvariantCulture);
        }

        return Place(buffer, digits[..written], negative, scale);
    }

    /// <summary>Writes sign, integer part, point and fraction to the front of <paramref name="buffer"/>.</summary>
    private static int Place(Span<char> buffer, ReadOnlySpan<char> digits, bool negative, int scale)
    {
        var length = 0;
        if (negative)
        {
            buffer[length++] = '-';
        }

        if (scale == 0)
        {
            digits.CopyTo(buffer[length..]);
            return length + digits.Length;
        }

        var integerDigits = digits.Length - scale;
        if (integerDigits <= 0)
        {
            buffer[length++] = '0';
            buffer[length++] = '.';
            buffer.Slice(length, -integerDigits).Fill('0');
            length -= integerDigits;
            digits.CopyTo(buffer[length..]);
            return length + digits.Length;
        }

        // Copying forwards over digits that sit later in the same buffer is safe.
        digits[..integerDigits].CopyTo(buffer[length..]);
        length += integerDigits;
        buffer[length++] = '.';
        digits[integerDigits..].CopyTo(buffer[length..]);
        return length + scale;
    }
}
