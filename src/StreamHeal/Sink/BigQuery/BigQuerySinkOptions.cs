using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Sink.BigQuery;

/// <summary>How rows reach BigQuery. Bound from <c>sink:bigquery</c>; used when <c>sink.type</c> is <c>bigquery</c>.</summary>
public sealed class BigQuerySinkOptions : IValidatableObject
{
    public const string SectionName = "sink:bigquery";
    public const string AtLeastOnce = "at-least-once";
    public const string ExactlyOnce = "exactly-once";
    public const string DefaultRestEndpoint = "https://bigquery.googleapis.com";

    /// <summary>The Google Cloud project that owns the dataset. Required.</summary>
    public string ProjectId { get; set; } = "";

    /// <summary>The dataset the tables live in (one table per topic). Required.</summary>
    public string Dataset { get; set; } = "";

    /// <summary>
    /// <c>at-least-once</c> (default): the shared <c>_default</c> stream; a crash can write a row twice.
    /// <c>exactly-once</c>: one COMMITTED stream per (table, partition) with offsets and a checkpoint topic.
    /// </summary>
    public string Delivery { get; set; } = AtLeastOnce;

    /// <summary>The Storage Write API's gRPC endpoint. Point it at an emulator or the fake for local runs.</summary>
    public Uri WriteEndpoint { get; set; } = new(BigQueryWriteOptions.DefaultEndpoint);

    /// <summary>The BigQuery REST API (tables get/insert/patch).</summary>
    public Uri RestEndpoint { get; set; } = new(DefaultRestEndpoint);

    /// <summary>
    /// <c>adc</c> (default): Application Default Credentials. <c>file</c>: the service-account JSON at
    /// <see cref="CredentialsFile"/>. <c>none</c>: no token (emulators and the fake only).
    /// </summary>
    public string Auth { get; set; } = "adc";

    /// <summary>A service-account key file, with <c>auth: file</c>.</summary>
    public string? CredentialsFile { get; set; }

    /// <summary>Create a missing table (default true). When false a missing table stops that table's partitions with an error.</summary>
    public bool AutoCreateTables { get; set; } = true;

    /// <summary>Day-partition new tables on this TIMESTAMP column (e.g. <c>_kafka_timestamp</c>); empty: not partitioned.</summary>
    public string? TimePartitioningField { get; set; }

    /// <summary>Up to four clustering columns for new tables.</summary>
    public List<string> ClusteringFields { get; set; } = [];

    /// <summary>The largest AppendRows request; batches are split to fit. Default 9 MB (the API refuses 10 MB).</summary>
    [Range(64 * 1024, 10_000_000)]
    public int MaxRequestBytes { get; set; } = BigQueryWriteOptions.DefaultMaxRequestBytes;

    /// <summary>Appends in flight across all streams at most; the adaptive limit starts here and halves on RESOURCE_EXHAUSTED.</summary>
    [Range(1, 256)]
    public int MaxInFlightAppends { get; set; } = 8;

    /// <summary>
    /// At-least-once: batches of one table written at the same time, their appends pipelined on the table's
    /// <c>_default</c> stream (BigQuery answers a connection's appends in order), so the next batch is encoded and sent
    /// while the last one's answer is on its way. Default 2: each further batch is records held in memory (see README's
    /// tuning table). Exactly-once writes one batch of a table at a time, whatever this says: each partition's rows go to
    /// its stream in offset order.
    /// </summary>
    [Range(1, 64)]
    public int BatchesInFlightPerTable { get; set; } = 2;

    /// <summary>The compacted topic holding exactly-once checkpoints; default <c>&lt;group&gt;.streamheal-checkpoints</c>.</summary>
    public string? CheckpointTopic { get; set; }

    /// <summary>How often a held table re-reads its stream while waiting for BigQuery to report a new column.</summary>
    public TimeSpan SchemaPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public bool IsExactlyOnce => string.Equals(Delivery, ExactlyOnce, StringComparison.OrdinalIgnoreCase);

    public string CheckpointTopicFor(string groupId) =>
        string.IsNullOrWhiteSpace(CheckpointTopic) ? $"{groupId}.streamheal-checkpoints" : CheckpointTopic;

    public string TablePath(string table) => $"projects/{ProjectId}/datasets/{Dataset}/tables/{table}";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ProjectId))
        {
            yield return new ValidationResult("sink.bigquery.projectId is required.", [nameof(ProjectId)]);
        }

        if (string.IsNullOrWhiteSpace(Dataset))
        {
            yield return new ValidationResult("sink.bigquery.dataset is required.", [nameof(Dataset)]);
        }

        if (!string.Equals(Delivery, AtLeastOnce, StringComparison.OrdinalIgnoreCase) && !IsExactlyOnce)
        {
            yield return new ValidationResult($"sink.bigquery.delivery '{Delivery}' is not supported; use '{AtLeastOnce}' or '{ExactlyOnce}'.", [nameof(Delivery)]);
        }

        var auth = Auth.ToLowerInvariant();
        if (auth is not ("adc" or "file" or "none"))
        {
            yield return new ValidationResult($"sink.bigquery.auth '{Auth}' is not supported; use 'adc', 'file' or 'none'.", [nameof(Auth)]);
        }
        else if (auth == "file" && (string.IsNullOrWhiteSpace(CredentialsFile) || !File.Exists(CredentialsFile)))
        {
            yield return new ValidationResult($"sink.bigquery.credentialsFile '{CredentialsFile}' does not exist; auth 'file' needs a service-account JSON key.", [nameof(CredentialsFile)]);
        }

        if (ClusteringFields.Count > 4)
        {
            yield return new ValidationResult("sink.bigquery.clusteringFields takes at most 4 columns (a BigQuery limit).", [nameof(ClusteringFields)]);
        }

        if (SchemaPollInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult("sink.bigquery.schemaPollInterval must be positive.", [nameof(SchemaPollInterval)]);
        }
    }
}
