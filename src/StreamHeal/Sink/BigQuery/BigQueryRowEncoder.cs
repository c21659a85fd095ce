using System.Buffers;
using System.Globalization;
using StreamHeal.Records;
using StreamHeal.Tables;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// Encodes one <see cref="SinkRow"/> as a proto2 message of a <see cref="BigQueryRowLayout"/>, straight into bytes: no
/// message object per row. A null value is an absent field (NULL in BigQuery). Conversions accept the same value kinds
/// as the DuckDB sink, so one row is accepted or refused alike by both sinks.
/// </summary>
internal sealed class BigQueryRowEncoder(BigQueryRowLayout layout)
{
    // Just under decimal.MaxValue (~7.92e28) so the double-to-decimal cast cannot overflow.
    private const double DecimalLimit = 7.9e28;
    private const int NumericScale = 9;

    public BigQueryRowLayout Layout { get; } = layout;

    /// <summary>
    /// Writes the row into <paramref name="output"/> (reset first). Returns why the row cannot be written, or null; on
    /// failure the output holds a partial row and must not be used.
    /// </summary>
    public string? Encode(PooledBufferWriter output, string topic, in SinkRow row, long ingestedAtMicros)
    {
        output.Reset();
        ProtoWire.WriteString(output, 1, topic);
        ProtoWire.WriteInt64(output, 2, row.Partition);
        ProtoWire.WriteInt64(output, 3, row.Offset);
        ProtoWire.WriteInt64(output, 4, BigQueryTypes.ToMicros(row.Timestamp));
        ProtoWire.WriteInt64(output, 5, ingestedAtMicros);
        if (row.Row.QuarantineJson() is { } quarantine)
        {
            ProtoWire.WriteString(output, 6, quarantine);
        }

        var fields = row.Row.Fields;
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            if (field.Value.IsNull)
            {
                continue;
            }

            if (!Layout.TryGetUserField(field.Name, out var index))
            {
                return $"Field '{field.Name}' is not a column of the BigQuery writer schema; the batch's columns must be ensured first.";
            }

            var target = Layout.Fields[index];
            if (!TryWrite(output, target.Number, target.Type, field.Value))
            {
                return $"Value {Truncate(field.Value.ToJsonLiteral())} ({field.Value.Kind}) cannot be stored in BigQuery column '{field.Name}' ({target.Type}).";
            }
        }

        return null;
    }

    private static bool TryWrite(PooledBufferWriter output, int number, ColumnType type, in FieldValue value)
    {
        switch (type, value.Kind)
        {
            case (ColumnType.String, FieldKind.String or FieldKind.BigInteger or FieldKind.Json):
            case (ColumnType.BigNumeric, FieldKind.BigInteger):
            case (ColumnType.Numeric, FieldKind.BigInteger):
            case (ColumnType.Json, FieldKind.Json):
                // A protobuf string is its UTF-8 bytes: a string still in its event's bytes is copied as it is.
                if (value.TryGetUtf8(out var utf8))
                {
                    ProtoWire.WriteBytes(output, number, utf8);
                }
                else
                {
                    ProtoWire.WriteString(output, number, value.AsText!);
                }

                return true;
            case (ColumnType.BigNumeric or ColumnType.Numeric, FieldKind.String):
                // Sent as the producer's own text so no digit is lost; only checked to be a number.
                var digits = value.AsText!;
                if (!decimal.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && !IsIntegerText(digits))
                {
                    return false;
                }

                ProtoWire.WriteString(output, number, digits);
                return true;
            case (ColumnType.BigNumeric or ColumnType.Numeric, FieldKind.Int64):
                ProtoWire.WriteString(output, number, value.AsInt64.ToString(CultureInfo.InvariantCulture));
                return true;
            case (ColumnType.Numeric, FieldKind.Float64) when double.IsFinite(value.AsDouble) && Math.Abs(value.AsDouble) < DecimalLimit:
                var rounded = Math.Round((decimal)value.AsDouble, NumericScale, MidpointRounding.ToEven);
                ProtoWire.WriteString(output, number, rounded.ToString(CultureInfo.InvariantCulture));
                return true;
            case (ColumnType.Json, _):
                ProtoWire.WriteString(output, number, value.ToJsonLiteral());
                return true;
            case (ColumnType.Int64, FieldKind.Int64):
                ProtoWire.WriteInt64(output, number, value.AsInt64);
                return true;
            case (ColumnType.Float64, FieldKind.Float64):
                ProtoWire.WriteDouble(output, number, value.AsDouble);
                return true;
            case (ColumnType.Float64, FieldKind.Int64):
                ProtoWire.WriteDouble(output, number, value.AsInt64);
                return true;
            case (ColumnType.Bool, FieldKind.Bool):
                ProtoWire.WriteBool(output, number, value.AsBool);
                return true;
            case (ColumnType.Date, FieldKind.String):
                if (!DateOnly.TryParseExact(value.AsText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    return false;
                }

                ProtoWire.WriteInt64(output, number, BigQueryTypes.ToEpochDays(date));
                return true;
            case (ColumnType.Timestamp, FieldKind.String):
                if (!DateTimeOffset.TryParse(value.AsText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var timestamp))
                {
                    return false;
                }

                ProtoWire.WriteInt64(output, number, BigQueryTypes.ToMicros(timestamp));
                return true;
            case (ColumnType.Bytes, FieldKind.String):
                return TryWriteBase64(output, number, value.AsText!);
            default:
                return false;
        }
    }

    private static bool TryWriteBase64(PooledBufferWriter output, int number, string text)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((text.Length + 3) / 4 * 3 + 1);
        try
        {
            if (!Convert.TryFromBase64String(text, buffer, out var written))
            {
                return false;
            }

            ProtoWire.WriteBytes(output, number, buffer.AsSpan(0, written));
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsIntegerText(string text)
    {
        var digits = text.AsSpan(text.StartsWith('-') || text.StartsWith('+') ? 1 : 0);
        return digits.Length > 0 && !digits.ContainsAnyExceptInRange('0', '9');
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
