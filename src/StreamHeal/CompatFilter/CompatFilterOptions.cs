using System.ComponentModel.DataAnnotations;
using StreamHeal.Tables;

namespace StreamHeal.CompatFilter;

/// <summary>Bound from the <c>schema</c> section.</summary>
public sealed class CompatFilterOptions : IValidatableObject
{
    public const string SectionName = "schema";
    public const int DefaultMaxColumns = 10_000;

    /// <summary>Most user columns a table may get (BigQuery allows 10,000). Fields beyond go to <c>_quarantine</c>. Default 10,000.</summary>
    [Range(1, 10_000)]
    public int MaxColumns { get; set; } = DefaultMaxColumns;

    /// <summary>
    /// What happens to a field that cannot be kept (type flip, case collision, too many columns). Default
    /// <see cref="SchemaViolationPolicy.Quarantine"/>: it moves to the row's <c>_quarantine</c> column.
    /// </summary>
    public SchemaViolationPolicy Policy { get; set; } = SchemaViolationPolicy.Quarantine;

    /// <summary>
    /// How a new column's type is inferred from a JSON number. Default <see cref="NumberInference.Exact"/>: integral
    /// literals make INT64 columns. <see cref="NumberInference.Float"/> makes every number column FLOAT64, so a
    /// first <c>10</c> does not lock <c>price</c> to INT64 and quarantine every later <c>9.99</c>.
    /// </summary>
    public NumberInference NumberInference { get; set; } = NumberInference.Exact;

    /// <summary>
    /// Column types that override inference for new columns, by flattened name (e.g. <c>"price": "Float64"</c>,
    /// <c>"created_at": "Timestamp"</c>). Strings are only read as timestamps or dates through this. Default none.
    /// </summary>
    public Dictionary<string, ColumnType> FieldTypes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, type) in FieldTypes)
        {
            if (string.IsNullOrWhiteSpace(name) || !Enum.IsDefined(type))
            {
                yield return new ValidationResult($"schema.fieldTypes: '{name}' needs a column type ({string.Join(", ", Enum.GetNames<ColumnType>())}).", [nameof(FieldTypes)]);
            }
        }
    }
}

public enum SchemaViolationPolicy
{
    /// <summary>Keep the row; the field goes to <c>_quarantine</c> with its reason.</summary>
    Quarantine,
    /// <summary>Keep the row; the field is dropped, counted and logged once per (table, field, reason).</summary>
    Drop,
    /// <summary>The whole event goes to the DLQ with the reasons.</summary>
    DeadLetter,
}

public enum NumberInference
{
    Exact,
    Float,
}
