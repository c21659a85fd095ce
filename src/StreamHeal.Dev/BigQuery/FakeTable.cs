using System.Text.Json.Nodes;
using StreamHeal.Dev.BigQuery.Protos;

namespace StreamHeal.Dev.BigQuery;

/// <summary>One revision of a table's schema: version 1 is the schema the table was created with.</summary>
internal sealed record FakeSchemaVersion(int Version, TableSchema Schema, DateTimeOffset ChangedAt);

/// <summary>
/// A table of the fake: its schema history, so the Storage Write side can lag the REST side by the propagation delay,
/// plus the metadata the REST API shows. Guarded by the store's lock.
/// </summary>
internal sealed class FakeTable
{
    private readonly List<FakeSchemaVersion> _versions = [];
    private JsonArray _fields;

    /// <param name="fields">The REST form of <paramref name="schema"/>, kept as given (see <see cref="FakeFieldJson"/>).</param>
    public FakeTable(string projectId, string datasetId, string tableId, TableSchema schema, JsonArray fields, DateTimeOffset createdAt)
    {
        _fields = fields;
        ProjectId = projectId;
        DatasetId = datasetId;
        TableId = tableId;
        CreatedAt = createdAt;
        _versions.Add(new FakeSchemaVersion(1, schema, createdAt));
        Etag = NewEtag();
    }

    public string ProjectId { get; }

    public string DatasetId { get; }

    public string TableId { get; }

    /// <summary><c>projects/{p}/datasets/{d}/tables/{t}</c>, as the Storage Write API names the table.</summary>
    public string Path => PathOf(ProjectId, DatasetId, TableId);

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset ModifiedAt => _versions[^1].ChangedAt;

    /// <summary>Changes with every schema revision; a PATCH with another <c>If-Match</c> fails with 412.</summary>
    public string Etag { get; private set; }

    public string? TimePartitioningField { get; init; }

    public IReadOnlyList<string> ClusteringFields { get; init; } = [];

    /// <summary>The newest schema: what the REST API shows.</summary>
    public FakeSchemaVersion Latest => _versions[^1];

    public IReadOnlyList<FakeSchemaVersion> Versions => _versions;

    public static string PathOf(string projectId, string datasetId, string tableId) => $"projects/{projectId}/datasets/{datasetId}/tables/{tableId}";

    /// <summary>
    /// The schema the Storage Write API works with at <paramref name="now"/>: the newest revision that is at least
    /// <paramref name="delay"/> old. The creation schema is visible at once, as a new table is writable at once.
    /// </summary>
    public FakeSchemaVersion VisibleAt(DateTimeOffset now, TimeSpan delay)
    {
        for (var i = _versions.Count - 1; i > 0; i--)
        {
            if (_versions[i].ChangedAt + delay <= now)
            {
                return _versions[i];
            }
        }

        return _versions[0];
    }

    /// <summary>The newest field list as tables.get shows it; callers copy it before it leaves the store's lock.</summary>
    public JsonArray Fields => _fields;

    public FakeSchemaVersion Revise(TableSchema schema, JsonArray fields, DateTimeOffset now)
    {
        _fields = fields;
        var version = new FakeSchemaVersion(_versions.Count + 1, schema, now);
        _versions.Add(version);
        Etag = NewEtag();
        return version;
    }

    // The real etag is an opaque hash; only equality matters to a client.
    private static string NewEtag() => Convert.ToBase64String(Guid.NewGuid().ToByteArray())[..22];
}

/// <summary>A consistent copy of a table's REST-visible state, taken under the store's lock.</summary>
/// <param name="Fields">The field list exactly as tables.get shows it (a copy).</param>
internal sealed record FakeTableView(
    string ProjectId,
    string DatasetId,
    string TableId,
    string Etag,
    TableSchema Schema,
    int SchemaVersion,
    DateTimeOffset CreatedAt,
    DateTimeOffset ModifiedAt,
    string? TimePartitioningField,
    IReadOnlyList<string> ClusteringFields,
    JsonArray Fields)
{
    public static FakeTableView Of(FakeTable table) => new(
        table.ProjectId, table.DatasetId, table.TableId, table.Etag, table.Latest.Schema.Clone(), table.Latest.Version,
        table.CreatedAt, table.ModifiedAt, table.TimePartitioningField, table.ClusteringFields, (JsonArray)table.Fields.DeepClone());
}
