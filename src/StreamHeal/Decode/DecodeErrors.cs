namespace StreamHeal.Decode;

/// <summary>Dead-letter error types from the decode stage; stable because alerts and queries match on them.</summary>
public static class DecodeErrors
{
    public const string EmptyValue = "empty_value";
    public const string PayloadTooLarge = "payload_too_large";
    public const string InvalidUtf8 = "invalid_utf8";
    public const string InvalidJson = "invalid_json";
    public const string NotAnObject = "not_an_object";
    public const string TooDeep = "too_deep";
    public const string TooManyFields = "too_many_fields";

    /// <summary>An Avro payload that ends before its writer schema is satisfied.</summary>
    public const string TruncatedAvro = "truncated_avro";

    /// <summary>An Avro payload the encoding forbids: a bad union or enum index, a negative length, trailing bytes.</summary>
    public const string InvalidAvro = "invalid_avro";

    /// <summary>The value starts with a control byte that is neither JSON nor the Confluent wire format's 0.</summary>
    public const string UnknownMagicByte = "unknown_magic_byte";

    /// <summary>A Confluent wire-format value whose schema id the registry does not know (40403).</summary>
    public const string SchemaNotFound = "schema_not_found";

    /// <summary>A Confluent wire-format value, but no <c>schemaRegistry.url</c> is configured to decode it.</summary>
    public const string AvroWithoutRegistry = "avro_without_registry";

    /// <summary>A Confluent wire-format value whose registered schema is Protobuf: StreamHeal reads Avro and JSON.</summary>
    public const string UnsupportedSchemaType = "unsupported_schema_type";
}
