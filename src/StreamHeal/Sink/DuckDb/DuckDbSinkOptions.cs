using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Sink.DuckDb;

/// <summary>Settings of the embedded DuckDB sink (section <c>Sink:DuckDb</c>).</summary>
public sealed class DuckDbSinkOptions
{
    public const string DefaultPath = "streamheal.duckdb";
    public const int DefaultThreads = 1;
    public const int MaxThreads = 64;
    public const int DefaultMemoryLimitMb = 256;
    public const int MinMemoryLimitMb = 64;

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

    /// <summary>
    /// The most memory DuckDB's buffer manager may hold, in MiB (its <c>memory_limit</c>). DuckDB's own default is 80 %
    /// of the machine's RAM, and it keeps the table's pages cached up to that, so without a bound the sink's memory
    /// grows with the table rather than with the batch; written pages are in the file, so evicting them costs reads
    /// only. Default: 256.
    /// </summary>
    [Range(MinMemoryLimitMb, int.MaxValue)]
    public int MemoryLimitMb { get; set; } = DefaultMemoryLimitMb;
}
