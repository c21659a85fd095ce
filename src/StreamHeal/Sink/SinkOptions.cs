using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Sink;

/// <summary>Which destination to write. Bound from the <c>sink</c> section.</summary>
public sealed class SinkOptions : IValidatableObject
{
    public const string SectionName = "sink";
    public const string DuckDb = "duckdb";

    /// <summary>The destination: <c>duckdb</c> (an embedded file, single process). Default <c>duckdb</c>.</summary>
    [Required]
    public string Type { get; set; } = DuckDb;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.Equals(Type, DuckDb, StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"sink.type '{Type}' is not supported; use '{DuckDb}'.", [nameof(Type)]);
        }
    }
}
