using System.Buffers;
using System.Text;
using System.Text.Json;

namespace StreamHeal.Records;

/// <summary>Writes the <c>_quarantine</c> column as <c>[{name, value, reason, expected_type, actual_type}]</c>.</summary>
internal static class QuarantineWriter
{
    public static string ToJson(IReadOnlyList<QuarantinedField> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var field in fields)
            {
                writer.WriteStartObject();
                writer.WriteString("name", field.Name);
                writer.WritePropertyName("value");
                writer.WriteRawValue(field.Value, skipInputValidation: false);
                writer.WriteString("reason", field.Reason);
                if (field.ExpectedType is not null)
                {
                    writer.WriteString("expected_type", field.ExpectedType);
                }

                if (field.ActualType is not null)
                {
                    writer.WriteString("actual_type", field.ActualType);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
