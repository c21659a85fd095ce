using System.Globalization;
using Confluent.SchemaRegistry;
using StreamHeal.Decode.Avro;
using StreamHeal.Records;
using StreamHeal.Retry;
using StreamHeal.SchemaRegistry;

namespace StreamHeal.Decode;

/// <summary>
/// Decodes Confluent wire-format Avro values straight into rows: the writer schema comes from the registry through a
/// bounded single-flight cache, the decoder from a cache of compiled plans. A registry that cannot be reached is a
/// dependency outage: the record waits in place (holding its partition's order) and is retried without limit; only
/// an id the registry does not know, or bytes that are not valid Avro, make a dead letter. A value framed the same way
/// by Confluent's JSON Schema serializer (its id names a JSON schema) is JSON after the header, and is read as JSON
/// (<paramref name="json"/>); one whose id names a Protobuf schema is refused with that reason.
/// </summary>
public sealed class AvroEventDecoder(SchemaCache schemas, AvroDecoders decoders, DependencyRetry retry, FramedJsonReader? json = null)
{
    /// <summary>Fills <see cref="IngestRecord.Row"/>, or marks the record for the DLQ.</summary>
    public async ValueTask DecodeAsync(IngestRecord record, CancellationToken cancellationToken)
    {
        if (!ConfluentWireFormat.TryReadHeader(record.Value, out var schemaId, out _))
        {
            record.Fail(new DeadLetterReason(DecodeErrors.TruncatedAvro, ConfluentWireFormat.DescribeFailure(record.Value), DecodeStage.Name));
            return;
        }

        Schema schema;
        try
        {
            schema = await retry.ExecuteAsync(static (s, ct) => s.schemas.GetSchemaAsync(s.schemaId, ct), (schemas, schemaId), cancellationToken);
        }
        catch (SchemaNotFoundException)
        {
            record.Fail(new DeadLetterReason(DecodeErrors.SchemaNotFound, string.Create(CultureInfo.InvariantCulture, $"Schema id {schemaId} is not in the registry."), DecodeStage.Name));
            return;
        }

        if (schema.SchemaType != SchemaType.Avro)
        {
            ReadOther(record, schemaId, schema.SchemaType);
            return;
        }

        try
        {
            var decoder = decoders.GetOrAdd(schemaId, schema.SchemaString);
            // Strings may stay in the record's value array: it is returned to its pool only once the record is done.
            record.Row = decoder.Flatten(record.Value!, ConfluentWireFormat.HeaderLength);
        }
        catch (AvroDecodeException e)
        {
            record.Fail(new DeadLetterReason(e.ErrorType, string.Create(CultureInfo.InvariantCulture, $"Schema id {schemaId}: {e.Message}"), DecodeStage.Name));
        }
        catch (Exception e) when (e is global::Avro.AvroException or ArgumentException)
        {
            record.Fail(new DeadLetterReason(DecodeErrors.InvalidAvro, string.Create(CultureInfo.InvariantCulture, $"Schema id {schemaId} cannot be used: {e.Message}"), DecodeStage.Name));
        }
    }

    private void ReadOther(IngestRecord record, int schemaId, SchemaType type)
    {
        if (type == SchemaType.Json && json is not null)
        {
            json.Read(record, ConfluentWireFormat.HeaderLength);
            return;
        }

        record.Fail(new DeadLetterReason(
            DecodeErrors.UnsupportedSchemaType,
            string.Create(CultureInfo.InvariantCulture, $"Schema id {schemaId} is a {type} schema; StreamHeal reads Avro, and JSON plain or framed by Confluent's JSON Schema serializer."),
            DecodeStage.Name));
    }
}
