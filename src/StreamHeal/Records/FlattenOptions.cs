using System.ComponentModel.DataAnnotations;
using StreamHeal.Tables;

namespace StreamHeal.Records;

/// <summary>How arrays in an event are stored.</summary>
public enum ArrayMode
{
    /// <summary>The array becomes one column holding its compact JSON text (a BigQuery JSON column).</summary>
    Json,

    /// <summary>
    /// The array is kept out of the columns and written to <c>_quarantine</c> with reason
    /// <c>array_value</c>, for destinations that should only get scalar columns; nothing is lost.
    /// </summary>
    Quarantine,
}

/// <summary>How events become flat rows (configuration section <c>flatten</c>).</summary>
public sealed class FlattenOptions
{
    public const string DefaultSeparator = ColumnNames.DefaultSeparator;
    public const ArrayMode DefaultArrayMode = ArrayMode.Json;

    /// <summary>BigQuery's column name limit.</summary>
    public const int DefaultMaxNameLength = ColumnNames.DefaultMaxNameLength;

    public const int DefaultMaxCachedNames = 10_000;

    /// <summary>About 5 MB when full of 64-byte values: a few dozen enum-like columns of a few hundred values each.</summary>
    public const int DefaultMaxCachedValues = 16_384;

    /// <summary>
    /// Joins a parent's name to a child's: <c>{"a":{"b":1}}</c> becomes <c>a__b</c>. Default <see cref="DefaultSeparator"/>.
    /// Only letters, digits and underscores, because it is part of a column name.
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_]{1,8}$", ErrorMessage = "flatten.separator must be 1-8 letters, digits or underscores.")]
    public string Separator { get; set; } = DefaultSeparator;

    /// <summary>What happens to arrays. Default <see cref="ArrayMode.Json"/>.</summary>
    public ArrayMode ArrayMode { get; set; } = DefaultArrayMode;

    /// <summary>
    /// Longest column name in characters; longer names are cut and end in <c>_</c> plus 8 hex digits of a hash
    /// of the full name, so distinct long names stay distinct. Default <see cref="DefaultMaxNameLength"/>.
    /// </summary>
    [Range(16, 300)]
    public int MaxNameLength { get; set; } = DefaultMaxNameLength;

    /// <summary>
    /// Distinct field paths whose column names are remembered; paths beyond it are sanitised on every event
    /// (correct, only slower), which bounds memory against events with ever-new keys.
    /// Default <see cref="DefaultMaxCachedNames"/>; 0 disables the cache.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxCachedNames { get; set; } = DefaultMaxCachedNames;

    /// <summary>
    /// Distinct short string values (up to 64 UTF-8 bytes) shared across events instead of allocated per event, over all
    /// columns; a column with more than 1,024 distinct values (an id) stops caching on its own. Bounds memory the same way
    /// as <see cref="MaxCachedNames"/>. Default <see cref="DefaultMaxCachedValues"/>; 0 disables the cache.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxCachedValues { get; set; } = DefaultMaxCachedValues;
}
