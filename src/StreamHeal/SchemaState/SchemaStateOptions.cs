using System.ComponentModel.DataAnnotations;

namespace StreamHeal.SchemaState;

/// <summary>Where table schema states live. Bound from the <c>schemaState</c> section.</summary>
public sealed class SchemaStateOptions
{
    public const string SectionName = "schemaState";
    public const string DefaultSubjectTemplate = "streamheal.{table}";
    public const string DefaultDirectory = "streamheal-state";

    /// <summary>Registry subject per table; <c>{table}</c> is replaced. Default <c>streamheal.{table}</c>.</summary>
    [Required]
    public string SubjectTemplate { get; set; } = DefaultSubjectTemplate;

    /// <summary>
    /// Folder for the local copy of every table's state, read at start-up when the registry cannot be reached.
    /// Default <c>streamheal-state</c> (relative to the working directory).
    /// </summary>
    [Required]
    public string Directory { get; set; } = DefaultDirectory;

    /// <summary>While the registry is down, how long to wait before trying to register again. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RetryDegradedAfter { get; set; } = TimeSpan.FromSeconds(5);

    public string SubjectFor(string table) => SubjectTemplate.Replace("{table}", table, StringComparison.Ordinal);
}
