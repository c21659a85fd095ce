using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Decode;

/// <summary>Limits a Kafka value must meet before it is flattened (configuration section <c>decode</c>).</summary>
public sealed class DecodeOptions
{
    public const int DefaultMaxPayloadBytes = 1024 * 1024;
    public const int DefaultMaxDepth = 32;
    public const int DefaultMaxFields = 10_000;

    /// <summary>Largest value accepted, in bytes. Default <see cref="DefaultMaxPayloadBytes"/> (1 MiB).</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = DefaultMaxPayloadBytes;

    /// <summary>
    /// Deepest nesting of objects and arrays accepted; the root object is depth 1.
    /// Default <see cref="DefaultMaxDepth"/>.
    /// </summary>
    [Range(1, 1000)]
    public int MaxDepth { get; set; } = DefaultMaxDepth;

    /// <summary>
    /// Most leaf fields (the columns flattening would produce: scalars, arrays, empty objects) accepted
    /// in one event. Default <see cref="DefaultMaxFields"/>.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxFields { get; set; } = DefaultMaxFields;
}
