using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Sink.BigQuery;

/// <summary>Settings of the BigQuery Storage Write client.</summary>
public sealed class BigQueryWriteOptions
{
    public const string DefaultEndpoint = "https://bigquerystorage.googleapis.com";

    /// <summary>9 MB: BigQuery refuses AppendRows requests of 10 MB or more, and this leaves room for its own accounting.</summary>
    public const int DefaultMaxRequestBytes = 9 * 1024 * 1024;

    public const string DefaultTraceId = "StreamHeal";

    /// <summary>The gRPC endpoint; default <see cref="DefaultEndpoint"/>. Tests point it at an in-process fake.</summary>
    [Required]
    public Uri Endpoint { get; set; } = new(DefaultEndpoint);

    /// <summary>The largest AppendRows request in bytes; default <see cref="DefaultMaxRequestBytes"/>. Batches are split to fit.</summary>
    [Range(1024, 10_000_000)]
    public int MaxRequestBytes { get; set; } = DefaultMaxRequestBytes;

    /// <summary>Sent with each connection's first request so BigQuery's logs can name the writer; default <see cref="DefaultTraceId"/>.</summary>
    public string? TraceId { get; set; } = DefaultTraceId;
}
