using System.ComponentModel.DataAnnotations;

namespace StreamHeal.CompatFilter;

/// <summary>Bound from the <c>schema</c> section.</summary>
public sealed class CompatFilterOptions
{
    public const string SectionName = "schema";
    public const int DefaultMaxColumns = 10_000;

    /// <summary>Most user columns a table may get (BigQuery allows 10,000). Fields beyond go to <c>_quarantine</c>. Default 10,000.</summary>
    [Range(1, 10_000)]
    public int MaxColumns { get; set; } = DefaultMaxColumns;
}
