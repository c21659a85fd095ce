using System.Buffers;
using System.Text;
using System.Text.Json;
using Avro.Generic;
using StreamHeal.Records;

namespace StreamHeal.Benchmarks;

/// <summary>The benchmarks' baseline for Avro: what a consumer without a planned reader writes, names joined per field, values boxed by the reader.</summary>
internal static class NaiveAvroFlattener
{
    public static FlatRow Flatten(GenericRecord record)
    {
        var row = new FlatRow();
        AddRecord(row, null, record);
        return row;
    }

    private static void AddRecord(FlatRow row, string? prefix, GenericRecord record)
    {
        foreach (var field in record.Schema.Fields)
        {
            var name = prefix is null ? field.Name : prefix + "__" + field.Name;
            var value = record.GetValue(field.Pos);
            switch (value)
            {
                case GenericRecord nested:
                    AddRecord(row, name, nested);
                    break;
                case null:
                    row.Add(name, FieldValue.Null);
                    break;
                case string s:
                    row.Add(name, FieldValue.FromString(s));
                    break;
                case int i:
                    row.Add(name, FieldValue.FromInt64(i));
                    break;
                case long l:
                    row.Add(name, FieldValue.FromInt64(l));
                    break;
                case double d:
                    row.Add(name, FieldValue.FromDouble(d));
                    break;
                case bool b:
                    row.Add(name, FieldValue.FromBool(b));
                    break;
                case Array array:
                    row.Add(name, FieldValue.FromJson(ArrayJson(array)));
                    break;
                default:
                    throw new InvalidOperationException($"The demo schema has no {value.GetType()} field ({name}).");
            }
        }
    }

    private static string ArrayJson(Array array)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in array)
            {
                writer.WriteStringValue((string)item);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
