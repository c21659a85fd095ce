using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Sink;

/// <summary>Which destination to write. Bound from the <c>sink</c> section.</summary>
public sealed class SinkOptions : IValidatableObject
{
    public const string SectionName = "sink";
    public const string DuckDb = "duckdb";
    public const string BigQuery = "bigquery";

    /// <summary>
    /// The destination: <c>duckdb</c> (an embedded file, single process; the default) or <c>bigquery</c> (the Storage
    /// Write API, settings under <c>sink:bigquery</c>).
    /// </summary>
    [Required]
    public string Type { get; set; } = DuckDb;

    public bool IsDuckDb => string.Equals(Type, DuckDb, StringComparison.OrdinalIgnoreCase);

    public bool IsBigQuery => string.Equals(Type, BigQuery, StringComparison.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsDuckDb && !IsBigQuery)
        {
            yield return new ValidationResult($"sink.type '{Type}' is not supported; use '{DuckDb}' or '{BigQuery}'.", [nameof(Type)]);
        }
    }
}
