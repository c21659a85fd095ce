namespace StreamHeal.SchemaRegistry;

/// <summary>Schema types the registry knows; Avro is the default and is omitted on the wire.</summary>
public static class SchemaTypes
{
    public const string Avro = "AVRO";
    public const string Json = "JSON";
    public const string Protobuf = "PROTOBUF";
}

/// <summary>A schema as stored under its global id.</summary>
public sealed record RegisteredSchema(int Id, string Schema, string SchemaType);

/// <summary>One version of a subject.</summary>
public sealed record SubjectVersion(string Subject, int Id, int Version, string Schema, string SchemaType);

/// <summary>The registry's verdict on a candidate schema; <see cref="Messages"/> says why when it is incompatible.</summary>
public sealed record CompatibilityResult(bool IsCompatible, IReadOnlyList<string> Messages);

public enum CompatibilityLevel
{
    None,
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
}
