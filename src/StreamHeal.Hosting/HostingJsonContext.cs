using System.Text.Json.Serialization;
using StreamHeal.Pipeline;

namespace StreamHeal.Hosting;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PipelineStatus))]
internal sealed partial class HostingJsonContext : JsonSerializerContext;
