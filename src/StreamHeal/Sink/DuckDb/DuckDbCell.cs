using System.Globalization;
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
        Kind = CellKind.Null;
        if (value.IsNull)
        {
            return true;
        }

        switch (type, value.Kind)
        {
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
