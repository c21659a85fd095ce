using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Sink.DuckDb;

/// <summary>Settings of the embedded DuckDB sink (section <c>Sink:DuckDb</c>).</summary>
public sealed class DuckDbSinkOptions
{
    public const string DefaultPath = "streamheal.duckdb";
    public const int DefaultThreads = 1;
    public const int MaxThreads = 64;

    /// <summary>
    /// The database file; created when missing. DuckDB lets one process at a time open it.
    /// Default: <c>streamheal.duckdb</c> in the working directory.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = DefaultPath;

    /// <summary>
    /// DuckDB worker threads (its <c>threads</c> setting). Appends run on one thread whatever this says;
    /// the setting bounds checkpoints and reader queries so DuckDB does not take every core from Kafka
    /// and the pipeline. Default: 1.
    /// </summary>
    [Range(1, MaxThreads)]
    public int Threads { get; set; } = DefaultThreads;
}
