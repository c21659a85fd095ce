namespace StreamHeal.Dev.BigQuery;

/// <summary>How the fake BigQuery behaves where the real one takes its time.</summary>
internal sealed class FakeBigQueryOptions
{
    /// <summary>The real service's documented order of magnitude for a new column to reach the Storage Write API.</summary>
    public static readonly TimeSpan DefaultSchemaPropagationDelay = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long after a schema change the Storage Write API still sees the old schema: appends naming a new column are
    /// refused until then, and <c>updated_schema</c> and GetWriteStream report the change only after it. The REST API
    /// shows the change at once, as the real one does. Default 3 s.
    /// </summary>
    public TimeSpan SchemaPropagationDelay { get; init; } = DefaultSchemaPropagationDelay;

    /// <summary>The clock for the propagation delay and for the times recorded per row and per append. Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The project <see cref="FakeBigQuery.CreateTable(string, StreamHeal.Dev.BigQuery.Protos.TableSchema)"/> uses. Default <c>fake</c>.</summary>
    public string ProjectId { get; init; } = "fake";

    /// <summary>The dataset <see cref="FakeBigQuery.CreateTable(string, StreamHeal.Dev.BigQuery.Protos.TableSchema)"/> uses. Default <c>streamheal</c>.</summary>
    public string Dataset { get; init; } = "streamheal";

    /// <summary>
    /// True (default): a stored row keeps every decoded value. False: every row is still decoded and checked as
    /// before, but only its <c>_kafka_partition</c> and <c>_kafka_offset</c> are kept (<see cref="FakeRowPosition"/>),
    /// for a load run whose verdict needs no more: millions of rows of values made the fake's heap gigabytes, and its
    /// collections stalls shared with whatever runs beside it.
    /// </summary>
    public bool KeepRowValues { get; init; } = true;

    /// <summary>
    /// Added to every AppendRows answer, as a network between the sink and the service would add it: answers still leave
    /// in order, but the connection goes on reading requests meanwhile, so appends pipelined on one connection overlap
    /// their delays (unlike <see cref="FakeBigQueryFaults.AppendLatency"/>, which holds the connection). Default zero.
    /// </summary>
    public TimeSpan NetworkDelay { get; init; }
}
