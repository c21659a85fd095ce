using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Batch;

/// <summary>When rows for one table are sent as a batch (configuration section <c>batch</c>).</summary>
public sealed class BatchOptions
{
    public const int DefaultMaxRows = 5_000;
    public const long DefaultMaxBytes = 8L * 1024 * 1024;
    public static readonly TimeSpan DefaultLinger = TimeSpan.FromMilliseconds(100);

    /// <summary>A batch is sent once it holds this many rows. Default <see cref="DefaultMaxRows"/>.</summary>
    [Range(1, 1_000_000)]
    public int MaxRows { get; set; } = DefaultMaxRows;

    /// <summary>
    /// A batch is sent once it holds this many bytes and never grows past it; a single larger row is sent alone.
    /// Default <see cref="DefaultMaxBytes"/> (8 MiB, under BigQuery's 10 MB append request limit).
    /// </summary>
    [Range(1L, 1L << 30)]
    public long MaxBytes { get; set; } = DefaultMaxBytes;

    /// <summary>
    /// Longest a row waits for its batch to fill, measured from the batch's first row.
    /// Default <see cref="DefaultLinger"/> (100 ms).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan Linger { get; set; } = DefaultLinger;
}
