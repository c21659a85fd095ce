using StreamHeal.Records;

namespace StreamHeal.Decode;

/// <summary>Reads a JSON value into a row under the decoder's limits; null when the value breaks one of them (flatten's one pass).</summary>
public delegate FlatRow? JsonRowReader(ReadOnlySpan<byte> json);

/// <summary>
/// Reads the JSON that follows a framing header (Confluent's JSON Schema serializer: magic byte, schema id) into the
/// record's row, under the same rules and with the same reasons as plain JSON. The row's strings are copied: the
/// flattener keeps strings in the value array only for values that start at its first byte.
/// </summary>
public sealed class FramedJsonReader(JsonDecoder decoder, JsonRowReader rows)
{
    /// <summary>Fills <see cref="IngestRecord.Row"/> from the value after <paramref name="start"/>, or marks the record for the DLQ.</summary>
    public void Read(IngestRecord record, int start)
    {
        ArgumentNullException.ThrowIfNull(record);
        var payload = record.Value.AsSpan(start);
        var envelope = decoder.CheckEnvelope(payload);
        if (!envelope.IsSuccess)
        {
            record.Fail(envelope.ToDeadLetter(DecodeStage.Name));
            return;
        }

        record.Row = rows(payload);
        if (record.Row is null)
        {
            record.Fail(decoder.Refusal(payload) ?? DeadLetterReason.FlattenFailed(DecodeStage.Name));
        }
    }
}
