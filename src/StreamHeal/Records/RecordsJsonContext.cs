using System.Text.Json.Serialization;

namespace StreamHeal.Records;

/// <summary>Source-generated JSON metadata so nothing on the data path serialises by reflection.</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(QuarantinedField))]
internal sealed partial class RecordsJsonContext : JsonSerializerContext;
