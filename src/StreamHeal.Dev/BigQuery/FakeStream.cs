using Google.Protobuf.WellKnownTypes;
using StreamHeal.Dev.BigQuery.Protos;

namespace StreamHeal.Dev.BigQuery;

/// <summary>
/// A row as the fake stored it: its decoded values keyed by column name (case-insensitive), where it landed, when,
/// and which table schema version the Storage Write API saw at that moment.
/// </summary>
internal sealed record FakeRow(IReadOnlyDictionary<string, object?> Values, string Stream, long StreamOffset, DateTimeOffset AppendedAt, int SchemaVersion);

/// <summary>A write stream of the fake: its rows, in stream order. Guarded by the store's lock.</summary>
internal sealed class FakeStream(string name, string table, WriteStream.Types.Type type, Timestamp createTime)
{
    public const string DefaultSuffix = "/streams/_default";

    public string Name { get; } = name;

    public string Table { get; } = table;

    public WriteStream.Types.Type Type { get; } = type;

    public Timestamp CreateTime { get; } = createTime;

    public List<FakeRow> Rows { get; } = [];

    public bool Finalized { get; set; }

    /// <summary>Deleted behind its writers' backs: every later call on it is NOT_FOUND; its committed rows stay in the table.</summary>
    public bool Dropped { get; set; }

    public bool IsDefault => Name.EndsWith(DefaultSuffix, StringComparison.Ordinal);
}

/// <summary>What one AppendRows connection has been told: the newest table schema version it got in <c>updated_schema</c>.</summary>
internal sealed class FakeConnectionState(long id)
{
    public long Id { get; } = id;

    public int ReportedSchemaVersion { get; set; } = 1;
}
