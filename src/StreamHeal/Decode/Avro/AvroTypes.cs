using System.Globalization;
using System.Text.Json;
using Avro;

namespace StreamHeal.Decode.Avro;

/// <summary>Resolves an <c>Avro.Schema</c> into <see cref="AvroType"/> nodes.</summary>
internal sealed class AvroTypes
{
    private readonly Dictionary<string, AvroType> _records = new(StringComparer.Ordinal);

    public AvroType Resolve(Schema schema)
    {
        switch (schema)
        {
            case LogicalSchema logical:
                return ResolveLogical(logical.LogicalTypeName, logical.BaseSchema, logical) ?? Resolve(logical.BaseSchema);
            case RecordSchema record:
                return ResolveRecord(record);
            case UnionSchema union:
                var branches = union.Schemas.Select(Resolve).ToArray();
                return new AvroType(AvroKind.Union) { Children = branches, MinBytes = 1 };
            case ArraySchema array:
                return new AvroType(AvroKind.Array) { Children = [Resolve(array.ItemSchema)], MinBytes = 1 };
            case MapSchema map:
                return new AvroType(AvroKind.Map) { Children = [Resolve(map.ValueSchema)], MinBytes = 1 };
            case EnumSchema symbols:
                return new AvroType(AvroKind.Enum) { Symbols = [.. symbols.Symbols], MinBytes = 1 };
            case FixedSchema fixedSchema:
                return ResolveLogical(Property(fixedSchema, "logicalType"), fixedSchema, fixedSchema)
                    ?? new AvroType(AvroKind.Fixed) { Size = fixedSchema.Size, MinBytes = fixedSchema.Size };
        }

        var kind = schema.Tag switch
        {
            Schema.Type.Null => AvroKind.Null,
            Schema.Type.Boolean => AvroKind.Boolean,
            Schema.Type.Int => AvroKind.Int,
            Schema.Type.Long => AvroKind.Long,
            Schema.Type.Float => AvroKind.Float,
            Schema.Type.Double => AvroKind.Double,
            Schema.Type.Bytes => AvroKind.Bytes,
            Schema.Type.String => AvroKind.String,
            _ => throw new ArgumentException($"Unsupported Avro schema type '{schema.Tag}'.", nameof(schema)),
        };

        // A logical type this library does not know stays a property of the primitive; honour it when we do know it.
        return ResolveLogical(Property(schema, "logicalType"), schema, schema) ?? Primitive(kind);
    }

    private AvroType ResolveRecord(RecordSchema record)
    {
        if (_records.TryGetValue(record.Fullname, out var known))
        {
            return known;
        }

        var type = new AvroType(AvroKind.Record);
        _records.Add(record.Fullname, type);
        type.Children = record.Fields.Select(f => Resolve(f.Schema)).ToArray();
        type.Names = record.Fields.Select(static f => f.Name).ToArray();
        type.FieldNames = record.Fields.Select(static f => JsonEncodedText.Encode(f.Name)).ToArray();
        type.MinBytes = type.Children.Aggregate(0, static (sum, child) => sum + child.MinBytes);
        return type;
    }

    private static AvroType Primitive(AvroKind kind) => new(kind)
    {
        MinBytes = kind switch
        {
            AvroKind.Null => 0,
            AvroKind.Float => 4,
            AvroKind.Double => 8,
            _ => 1,
        },
    };

    /// <summary>The logical kind when the base type is one the specification allows; otherwise null, and the base type is used.</summary>
    private static AvroType? ResolveLogical(string? name, Schema baseSchema, Schema annotated)
    {
        var fixedSize = baseSchema is FixedSchema f ? f.Size : -1;
        var kind = (name, baseSchema.Tag) switch
        {
            ("decimal", Schema.Type.Bytes) => AvroKind.DecimalBytes,
            ("decimal", Schema.Type.Fixed) => AvroKind.DecimalFixed,
            ("date", Schema.Type.Int) => AvroKind.Date,
            ("time-millis", Schema.Type.Int) => AvroKind.TimeMillis,
            ("time-micros", Schema.Type.Long) => AvroKind.TimeMicros,
            ("timestamp-millis", Schema.Type.Long) => AvroKind.TimestampMillis,
            ("timestamp-micros", Schema.Type.Long) => AvroKind.TimestampMicros,
            ("local-timestamp-millis", Schema.Type.Long) => AvroKind.LocalTimestampMillis,
            ("local-timestamp-micros", Schema.Type.Long) => AvroKind.LocalTimestampMicros,
            ("uuid", Schema.Type.String) => AvroKind.UuidString,
            ("duration", Schema.Type.Fixed) when fixedSize == 12 => AvroKind.Duration,
            _ => (AvroKind?)null,
        };

        if (kind is not { } resolved)
        {
            return null;
        }

        var scale = resolved is AvroKind.DecimalBytes or AvroKind.DecimalFixed
            ? int.Parse(Property(annotated, "scale") ?? "0", NumberStyles.None, CultureInfo.InvariantCulture)
            : 0;
        var minBytes = fixedSize >= 0 ? fixedSize : 1;
        return new AvroType(resolved) { Size = Math.Max(fixedSize, 0), Scale = scale, MinBytes = minBytes };
    }

    /// <summary>A schema property as plain text (Apache.Avro keeps property values as JSON).</summary>
    private static string? Property(Schema schema, string key) => schema.GetProperty(key)?.Trim('"');
}
