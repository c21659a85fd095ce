using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Unicode;
using DuckDB.NET.Data;
using StreamHeal.Records;
using StreamHeal.Tables;

namespace StreamHeal.Sink.DuckDb;

internal enum CellKind : byte
{
    Null,
    Int64,
    Double,
    Decimal,
    Bool,
    Text,
    /// <summary>Text still in the event's bytes (<see cref="FieldValue.FromUtf8"/>), handed to DuckDB as UTF-8.</summary>
    Utf8,
    Bytes,
    Date,
    Timestamp,
}

/// <summary>
/// One converted value waiting for the appender. A row is converted into a reused array of cells first and only
/// appended when every field converted, because a half-appended row cannot be taken back.
/// </summary>
internal struct DuckDbCell
{
    private const int NumericScale = 9;
    // Just under decimal.MaxValue (~7.92e28) so the double-to-decimal cast cannot overflow.
    private const double DecimalLimit = 7.9e28;

    public CellKind Kind;
    /// <summary>Int64 value, Bool (0/1), Date day number, Timestamp UTC ticks, or the used length of <see cref="Ref"/> bytes.</summary>
    public long Bits;
    /// <summary>The value of a <see cref="CellKind.Utf8"/> cell, whose bytes are its text.</summary>
    public FieldValue Utf8Text;
    public double Double;
    public decimal Decimal;
    /// <summary>Text or the decoded byte buffer.</summary>
    public object? Ref;

    /// <summary>
    /// Converts <paramref name="value"/> for a column of <paramref name="type"/>; false when it cannot (see <see cref="DuckDbTypes"/>
    /// for what each column type holds). Upstream guarantees the kind fits the column, so false means a bug or a malformed text.
    /// </summary>
    public bool TrySet(in FieldValue value, ColumnType type)
    {
        Ref = null;
        Utf8Text = default;
        Kind = CellKind.Null;
        if (value.IsNull)
        {
            return true;
        }

        switch (type, value.Kind)
        {
            case (ColumnType.String, FieldKind.String) when value.TryGetUtf8(out var utf8):
                // DuckDB stores bytes that are not UTF-8 as NULL without a word, so they must not reach it.
                return Utf8.IsValid(utf8) && SetUtf8(value);
            case (ColumnType.String, FieldKind.String or FieldKind.BigInteger or FieldKind.Json):
            case (ColumnType.BigNumeric, FieldKind.String or FieldKind.BigInteger):
                return SetText(value.AsText!);
            case (ColumnType.BigNumeric, FieldKind.Int64):
                return SetText(value.AsInt64.ToString(CultureInfo.InvariantCulture));
            case (ColumnType.Json, FieldKind.Json):
                return SetText(value.AsText!);
            case (ColumnType.Json, _):
                return SetText(value.ToJsonLiteral());
            case (ColumnType.Int64, FieldKind.Int64):
                return SetBits(CellKind.Int64, value.AsInt64);
            case (ColumnType.Float64, FieldKind.Float64):
                return SetDouble(value.AsDouble);
            case (ColumnType.Float64, FieldKind.Int64):
                return SetDouble(value.AsInt64);
            case (ColumnType.Bool, FieldKind.Bool):
                return SetBits(CellKind.Bool, value.AsBool ? 1 : 0);
            case (ColumnType.Numeric, FieldKind.Int64):
                return SetDecimal(value.AsInt64);
            case (ColumnType.Numeric, FieldKind.Float64) when double.IsFinite(value.AsDouble) && Math.Abs(value.AsDouble) < DecimalLimit:
                return SetDecimal((decimal)value.AsDouble);
            case (ColumnType.Numeric, FieldKind.BigInteger or FieldKind.String):
                return decimal.TryParse(value.AsText, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && SetDecimal(parsed);
            case (ColumnType.Date, FieldKind.String):
                return DateOnly.TryParseExact(value.AsText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    && SetBits(CellKind.Date, date.DayNumber);
            case (ColumnType.Timestamp, FieldKind.String):
                return DateTimeOffset.TryParse(value.AsText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var timestamp)
                    && SetBits(CellKind.Timestamp, timestamp.UtcTicks);
            case (ColumnType.Bytes, FieldKind.String):
                return SetBase64(value.AsText!);
            default:
                return false;
        }
    }

    public readonly IDuckDBAppenderRow AppendTo(IDuckDBAppenderRow row) => Kind switch
    {
        CellKind.Int64 => row.AppendValue((long?)Bits),
        CellKind.Double => row.AppendValue((double?)Double),
        CellKind.Decimal => row.AppendValue((decimal?)Decimal),
        CellKind.Bool => row.AppendValue((bool?)(Bits != 0)),
        CellKind.Text => row.AppendValue((string)Ref!),
        CellKind.Utf8 => AppendUtf8(row, Utf8Text),
        CellKind.Bytes => row.AppendValue(((byte[])Ref!).AsSpan(0, (int)Bits)),
        CellKind.Date => row.AppendValue((DateOnly?)DateOnly.FromDayNumber((int)Bits)),
        CellKind.Timestamp => row.AppendValue((DateTimeOffset?)new DateTimeOffset(Bits, TimeSpan.Zero)),
        _ => row.AppendNullValue(),
    };

    private bool SetText(string text)
    {
        Kind = CellKind.Text;
        Ref = text;
        return true;
    }

    // A new string per value, which DuckDB.NET then encodes back into UTF-8 memory of its own, for bytes that already
    // are the text: the flattener keeps strings no column shares in the event's bytes.
    private bool SetUtf8(in FieldValue value)
    {
        Kind = CellKind.Utf8;
        Utf8Text = value;
        return true;
    }

    private static IDuckDBAppenderRow AppendUtf8(IDuckDBAppenderRow row, in FieldValue value)
    {
        value.TryGetUtf8(out var utf8);
        // DuckDB.NET appends an empty span with no memory behind it as NULL. The span is writable only in type: DuckDB
        // copies the bytes into its VARCHAR vector and never writes to them.
        return utf8.IsEmpty
            ? row.AppendValue(string.Empty)
            : row.AppendValue(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(utf8), utf8.Length));
    }

    private bool SetBits(CellKind kind, long bits)
    {
        Kind = kind;
        Bits = bits;
        return true;
    }

    private bool SetDouble(double value)
    {
        Kind = CellKind.Double;
        Double = value;
        return true;
    }

    private bool SetDecimal(decimal value)
    {
        // DECIMAL(38,9): round here so DuckDB never sees a scale it would have to cut silently.
        Kind = CellKind.Decimal;
        Decimal = Math.Round(value, NumericScale, MidpointRounding.ToEven);
        return true;
    }

    private bool SetBase64(string text)
    {
        var buffer = new byte[(text.Length + 3) / 4 * 3];
        if (!Convert.TryFromBase64String(text, buffer, out var written))
        {
            return false;
        }

        Kind = CellKind.Bytes;
        Ref = buffer;
        Bits = written;
        return true;
    }
}
