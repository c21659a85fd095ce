using Avro;

namespace StreamHeal.Dev.Registry;

/// <summary>
/// Avro schema resolution, as the embedded registry needs it: can data written with one schema be read with another?
/// Covers records (added fields need defaults, removed fields are fine), the spec's promotions, unions, arrays,
/// maps, enums and fixed; logical types are checked by their underlying type.
/// </summary>
internal static class AvroCompatibility
{
    /// <returns>Why <paramref name="reader"/> cannot read data written with <paramref name="writer"/>; empty when it can.</returns>
    public static List<string> ReadProblems(Schema reader, Schema writer)
    {
        var problems = new List<string>();
        Check(reader, writer, "", problems, []);
        return problems;
    }

    private static bool CanRead(Schema reader, Schema writer, HashSet<(string, string)> seen)
    {
        var problems = new List<string>();
        Check(reader, writer, "", problems, seen);
        return problems.Count == 0;
    }

    private static void Check(Schema reader, Schema writer, string path, List<string> problems, HashSet<(string, string)> seen)
    {
        reader = reader is LogicalSchema readerLogical ? readerLogical.BaseSchema : reader;
        writer = writer is LogicalSchema writerLogical ? writerLogical.BaseSchema : writer;
        var at = path.Length == 0 ? "" : $"field '{path}': ";

        if (writer is UnionSchema writerUnion)
        {
            foreach (var branch in writerUnion.Schemas)
            {
                if (!CanRead(reader, branch, seen))
                {
                    problems.Add($"{at}written union branch {TypeName(branch)} cannot be read as {TypeName(reader)}");
                }
            }

            return;
        }

        if (reader is UnionSchema readerUnion)
        {
            if (!readerUnion.Schemas.Any(branch => CanRead(branch, writer, seen)))
            {
                problems.Add($"{at}type {TypeName(writer)} matches no branch of {TypeName(reader)}");
            }

            return;
        }

        switch (reader, writer)
        {
            case (RecordSchema r, RecordSchema w):
                CheckRecord(r, w, path, problems, seen);
                break;
            case (ArraySchema r, ArraySchema w):
                Check(r.ItemSchema, w.ItemSchema, path + "[]", problems, seen);
                break;
            case (MapSchema r, MapSchema w):
                Check(r.ValueSchema, w.ValueSchema, path + "{}", problems, seen);
                break;
            case (EnumSchema r, EnumSchema w):
                var missing = w.Symbols.Where(symbol => !r.Symbols.Contains(symbol)).ToList();
                if (r.Fullname != w.Fullname || (missing.Count > 0 && r.Default is null))
                {
                    problems.Add($"{at}enum {w.Fullname} cannot be read as {r.Fullname}; symbols missing: {string.Join(", ", missing)}");
                }

                break;
            case (FixedSchema r, FixedSchema w):
                if (r.Fullname != w.Fullname || r.Size != w.Size)
                {
                    problems.Add($"{at}fixed {w.Fullname}({w.Size}) cannot be read as {r.Fullname}({r.Size})");
                }

                break;
            default:
                if (!Promotes(writer.Tag, reader.Tag))
                {
                    problems.Add($"{at}type {TypeName(writer)} cannot be read as {TypeName(reader)}");
                }

                break;
        }
    }

    private static void CheckRecord(RecordSchema reader, RecordSchema writer, string path, List<string> problems, HashSet<(string, string)> seen)
    {
        // Recursive types: a pair already under comparison is assumed compatible.
        if (!seen.Add((reader.Fullname, writer.Fullname)))
        {
            return;
        }

        if (reader.Fullname != writer.Fullname)
        {
            problems.Add($"{(path.Length == 0 ? "" : $"field '{path}': ")}record {writer.Fullname} cannot be read as {reader.Fullname}");
            return;
        }

        foreach (var field in reader.Fields)
        {
            var fieldPath = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            var written = writer.Fields.FirstOrDefault(w => w.Name == field.Name || (field.Aliases?.Contains(w.Name) ?? false));
            if (written is not null)
            {
                Check(field.Schema, written.Schema, fieldPath, problems, seen);
            }
            else if (field.DefaultValue is null)
            {
                problems.Add($"field '{fieldPath}': added without a default, so old data has no value for it");
            }
        }
    }

    private static bool Promotes(Schema.Type written, Schema.Type read) => written == read || (written, read) switch
    {
        (Schema.Type.Int, Schema.Type.Long or Schema.Type.Float or Schema.Type.Double) => true,
        (Schema.Type.Long, Schema.Type.Float or Schema.Type.Double) => true,
        (Schema.Type.Float, Schema.Type.Double) => true,
        (Schema.Type.String, Schema.Type.Bytes) or (Schema.Type.Bytes, Schema.Type.String) => true,
        _ => false,
    };

    private static string TypeName(Schema schema) => schema switch
    {
        UnionSchema union => "[" + string.Join(", ", union.Schemas.Select(TypeName)) + "]",
        LogicalSchema logical => TypeName(logical.BaseSchema),
        NamedSchema named => named.Fullname,
        _ => schema.Tag.ToString().ToLowerInvariant(),
    };
}
