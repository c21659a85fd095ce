using System.Text.Json.Serialization;

namespace StreamHeal.SchemaRegistry;

// Wire shapes of the REST API. Most fields are camelCase; the error and compatibility bodies use snake_case.
internal sealed record SchemaRequest(
    [property: JsonPropertyName("schema")] string Schema,
    [property: JsonPropertyName("schemaType")] string? SchemaType);

internal sealed record SchemaResponse(
    [property: JsonPropertyName("schema")] string? Schema,
    [property: JsonPropertyName("schemaType")] string? SchemaType);

internal sealed record IdResponse([property: JsonPropertyName("id")] int Id);

internal sealed record SubjectVersionResponse(
    [property: JsonPropertyName("subject")] string? Subject,
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("schema")] string? Schema,
    [property: JsonPropertyName("schemaType")] string? SchemaType);

internal sealed record CompatibilityResponse(
    [property: JsonPropertyName("is_compatible")] bool IsCompatible,
    [property: JsonPropertyName("messages")] List<string>? Messages);

internal sealed record ConfigResponse(
    [property: JsonPropertyName("compatibilityLevel")] string? CompatibilityLevel,
    [property: JsonPropertyName("compatibility")] string? Compatibility);

internal sealed record ConfigRequest([property: JsonPropertyName("compatibility")] string Compatibility);

internal sealed record ErrorResponse(
    [property: JsonPropertyName("error_code")] int ErrorCode,
    [property: JsonPropertyName("message")] string? Message);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SchemaRequest))]
[JsonSerializable(typeof(SchemaResponse))]
[JsonSerializable(typeof(IdResponse))]
[JsonSerializable(typeof(SubjectVersionResponse))]
[JsonSerializable(typeof(CompatibilityResponse))]
[JsonSerializable(typeof(ConfigResponse))]
[JsonSerializable(typeof(ConfigRequest))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(List<int>))]
internal sealed partial class SchemaRegistryJsonContext : JsonSerializerContext;

/// <summary>Compatibility level names as the registry spells them.</summary>
internal static class CompatibilityLevelNames
{
    public static string ToWire(CompatibilityLevel level) => level switch
    {
        CompatibilityLevel.None => "NONE",
        CompatibilityLevel.Backward => "BACKWARD",
        CompatibilityLevel.BackwardTransitive => "BACKWARD_TRANSITIVE",
        CompatibilityLevel.Forward => "FORWARD",
        CompatibilityLevel.ForwardTransitive => "FORWARD_TRANSITIVE",
        CompatibilityLevel.Full => "FULL",
        CompatibilityLevel.FullTransitive => "FULL_TRANSITIVE",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown compatibility level."),
    };

    public static bool TryParse(string? wire, out CompatibilityLevel level)
    {
        foreach (var candidate in Enum.GetValues<CompatibilityLevel>())
        {
            if (string.Equals(ToWire(candidate), wire, StringComparison.Ordinal))
            {
                level = candidate;
                return true;
            }
        }

        level = default;
        return false;
    }
}
