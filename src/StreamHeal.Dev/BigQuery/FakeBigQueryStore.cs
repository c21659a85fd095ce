using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using StreamHeal.Dev.BigQuery.Protos;
using RpcStatus = Google.Rpc.Status;
using StorageCode = StreamHeal.Dev.BigQuery.Protos.StorageError.Types.StorageErrorCode;
using StreamHeal.Tables;

namespace StreamHeal.Dev.BigQuery;

/// <summary>The outcome of a schema change through the REST API.</summary>
internal enum FakePatchOutcome : byte
{
    Patched,
    NotFound,
    /// <summary>The <c>If-Match</c> etag is not the table's: someone changed it since the caller read it (HTTP 412).</summary>
    EtagMismatch,
    /// <summary>The change removes a column, changes a type or mode, adds a REQUIRED column, or sends a RECORD without its fields (HTTP 400).</summary>
    Invalid,
}

/// <summary>
/// Tables and streams of the fake with BigQuery's append rules: a COMMITTED stream takes an append only at exactly its
/// end (below: ALREADY_EXISTS, above: OUT_OF_RANGE, both for the whole request); <c>_default</c> takes no offset; a
/// request with any bad row appends nothing and names the bad rows. The Storage Write side sees a table's schema
/// changes only <see cref="FakeBigQueryOptions.SchemaPropagationDelay"/> after the REST side made them. Thread-safe.
/// </summary>
internal sealed class FakeBigQueryStore(FakeBigQueryOptions options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FakeTable> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeStream> _streams = new(StringComparer.Ordinal);

    private DateTimeOffset Now => options.TimeProvider.GetUtcNow();

    /// <summary>Creates a table, or returns null when it exists (REST: 409).</summary>
    /// <param name="fields">The REST form of <paramref name="schema"/> as the request sent it; made from the protos when null.</param>
    public FakeTableView? TryCreateTable(
        string projectId, string datasetId, string tableId, Protos.TableSchema schema, string? partitionField = null, IReadOnlyList<string>? clustering = null, JsonArray? fields = null)
    {
        fields = fields is null ? FakeFieldJson.ToJson(schema.Fields) : (JsonArray)fields.DeepClone();
        var table = new FakeTable(projectId, datasetId, tableId, schema.Clone(), fields, Now) { TimePartitioningField = partitionField, ClusteringFields = clustering ?? [] };
        lock (_gate)
        {
            return _tables.TryAdd(table.Path, table) ? FakeTableView.Of(table) : null;
        }
    }

    /// <summary>The table as the REST API shows it (its newest schema), or null.</summary>
    public FakeTableView? GetTable(string tablePath)
    {
        lock (_gate)
        {
            return _tables.TryGetValue(tablePath, out var table) ? FakeTableView.Of(table) : null;
        }
    }

    /// <summary>
    /// Replaces the table's field list with <paramref name="fields"/> (REST form, null: no schema change) if
    /// <paramref name="ifMatch"/> (when given) is its etag and the change is one BigQuery allows; starts the
    /// propagation delay for the Storage Write side. Every property of every field is kept as sent.
    /// </summary>
    public (FakePatchOutcome Outcome, FakeTableView? Table, string? Error) PatchSchema(string tablePath, JsonArray? fields, string? ifMatch)
    {
        var (schema, shown, invalid) = fields is null ? (null, null, null) : FakeFieldJson.Parse(fields);
        lock (_gate)
        {
            if (!_tables.TryGetValue(tablePath, out var table))
            {
                return (FakePatchOutcome.NotFound, null, null);
            }

            if (ifMatch is not null && ifMatch.Trim('"') != table.Etag)
            {
                return (FakePatchOutcome.EtagMismatch, null, "Precondition check failed.");
            }

            if (invalid is not null)
            {
                return (FakePatchOutcome.Invalid, null, invalid);
            }

            if (schema is not null && !JsonNode.DeepEquals(table.Fields, shown))
            {
                if (FakeSchemaRules.CheckChange($"{table.ProjectId}:{table.DatasetId}.{table.TableId}", table.Latest.Schema, schema) is { } error)
                {
                    return (FakePatchOutcome.Invalid, null, error);
                }

                table.Revise(schema, shown!, Now);
            }

            return (FakePatchOutcome.Patched, FakeTableView.Of(table), null);
        }
    }

    /// <summary>The version of the table's schema the Storage Write API sees now (1 until a change has propagated).</summary>
    public int VisibleSchemaVersion(string tablePath)
    {
        lock (_gate)
        {
            return Table(tablePath).VisibleAt(Now, options.SchemaPropagationDelay).Version;
        }
    }

    /// <summary>Every schema revision of the table with the time it was made (REST) — it became visible to appends one delay later.</summary>
    public IReadOnlyList<FakeSchemaVersion> SchemaHistory(string tablePath)
    {
        lock (_gate)
        {
            return [.. Table(tablePath).Versions];
        }
    }

    public WriteStream CreateStream(string tablePath, WriteStream.Types.Type type)
    {
        lock (_gate)
        {
            if (!_tables.ContainsKey(tablePath))
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"Table {tablePath} not found."));
            }

            var stream = new FakeStream($"{tablePath}/streams/{Guid.NewGuid():N}", tablePath, type, Timestamp.FromDateTimeOffset(Now));
            _streams.Add(stream.Name, stream);
            return Describe(stream, WriteStreamView.Basic);
        }
    }

    public WriteStream GetStream(string name, WriteStreamView view)
    {
        lock (_gate)
        {
            return Describe(Find(name), view);
        }
    }

    public long Finalize(string name)
    {
        lock (_gate)
        {
            var stream = Find(name);
            if (stream.IsDefault)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "The _default stream cannot be finalized."));
            }

            stream.Finalized = true;
            return stream.Rows.Count;
        }
    }

    /// <summary>Deletes a stream as if BigQuery had garbage-collected it: later appends and GetWriteStream are NOT_FOUND; its rows stay.</summary>
    public void DropStream(string name)
    {
        lock (_gate)
        {
            Find(name).Dropped = true;
        }
    }

    /// <summary>Every row's values over all the table's streams, in stream creation and append order.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> RowsOf(string tablePath) => [.. RowRecordsOf(tablePath).Select(row => row.Values)];

    /// <summary>Every row of the table with where and when it landed and the schema version appends saw then.</summary>
    public IReadOnlyList<FakeRow> RowRecordsOf(string tablePath)
    {
        lock (_gate)
        {
            return [.. _streams.Values.Where(stream => stream.Table == tablePath).SelectMany(stream => stream.Rows)];
        }
    }

    /// <summary>How many rows the table holds per Kafka (partition, offset), read from <c>_kafka_partition</c> and <c>_kafka_offset</c>: more than 1 is a duplicate.</summary>
    public IReadOnlyDictionary<(long Partition, long Offset), int> CountsByPartitionOffset(string tablePath) =>
        RowsOf(tablePath)
            .GroupBy(row => (Partition: Convert.ToInt64(row[ReservedColumns.KafkaPartition]), Offset: Convert.ToInt64(row[ReservedColumns.KafkaOffset])))
            .ToDictionary(group => group.Key, group => group.Count());

    /// <summary>The real service refuses AppendRows requests of 10 MB or more.</summary>
    public const int MaxRequestBytes = 10 * 1000 * 1000;

    /// <summary>
    /// An extra rule a test sets to refuse some rows as BigQuery would (a row error with the returned message); null
    /// refuses none beyond the table schema's own checks.
    /// </summary>
    public Func<IReadOnlyDictionary<string, object?>, string?>? RowRule { get; set; }

    /// <summary>
    /// A rule a test sets to refuse a whole request as BigQuery sometimes does: INVALID_ARGUMENT with the returned
    /// message and no row errors, so the writer cannot tell which rows caused it.
    /// </summary>
    public Func<IReadOnlyList<IReadOnlyDictionary<string, object?>>, string?>? RequestRule { get; set; }

    public (AppendRowsResponse Response, int? UpdatedSchemaVersion) Append(
        string streamName, long? offset, DescriptorProto schema, IReadOnlyList<ByteString> rows, FakeConnectionState connection)
    {
        lock (_gate)
        {
            var stream = Find(streamName);
            var now = Now;
            var visible = _tables[stream.Table].VisibleAt(now, options.SchemaPropagationDelay);
            var response = AppendVisible(stream, offset, schema, rows, visible, now);

            // Once a change has propagated, a connection whose writer schema lacks a visible column hears of it once.
            if (visible.Version > connection.ReportedSchemaVersion && visible.Schema.Fields.Any(column => !schema.Field.Any(field => Same(field.Name, column.Name))))
            {
                connection.ReportedSchemaVersion = visible.Version;
                response.UpdatedSchema = visible.Schema.Clone();
                return (response, visible.Version);
            }

            return (response, null);
        }
    }

    private AppendRowsResponse AppendVisible(FakeStream stream, long? offset, DescriptorProto schema, IReadOnlyList<ByteString> rows, FakeSchemaVersion visible, DateTimeOffset now)
    {
        var response = new AppendRowsResponse { WriteStream = stream.Name };
        if (stream.Finalized)
        {
            return Error(response, StatusCode.InvalidArgument, $"Stream {stream.Name} is finalized.", StorageCode.StreamFinalized, stream.Name);
        }

        if (stream.IsDefault && offset is not null)
        {
            return Error(response, StatusCode.InvalidArgument, "An offset cannot be given for the _default stream.");
        }

        var end = stream.Rows.Count;
        if (offset < end)
        {
            return Error(response, StatusCode.AlreadyExists, $"Offset {offset} is below the stream's end {end}.", StorageCode.OffsetAlreadyExists, stream.Name);
        }

        if (offset > end)
        {
            return Error(response, StatusCode.OutOfRange, $"Offset {offset} is beyond the stream's end {end}.", StorageCode.OffsetOutOfRange, stream.Name);
        }

        var decoded = new List<FakeRow>(rows.Count);
        var plan = FakeRowDecoder.Plan.For(schema, visible.Schema);
        for (var i = 0; i < rows.Count; i++)
        {
            var (row, error) = plan.Decode(rows[i]);
            error ??= RowRule?.Invoke(row);
            if (error is not null)
            {
                response.RowErrors.Add(new RowError { Index = i, Code = RowError.Types.RowErrorCode.FieldsError, Message = error });
            }

            decoded.Add(new FakeRow(row, stream.Name, end + i, now, visible.Version));
        }

        if (response.RowErrors.Count == 0 && RequestRule?.Invoke([.. decoded.Select(row => row.Values)]) is { } refusal)
        {
            return Error(response, StatusCode.InvalidArgument, refusal);
        }

        if (response.RowErrors.Count > 0)
        {
            var extra = schema.Field.FirstOrDefault(field => FakeSchemaRules.Find(visible.Schema, field.Name) is null);
            return extra is null
                ? Error(response, StatusCode.InvalidArgument, $"{response.RowErrors.Count} of {rows.Count} rows are invalid; nothing was appended.")
                : Error(response, StatusCode.InvalidArgument, $"Input schema has more fields than BigQuery schema, extra fields: '{extra.Name}'; nothing was appended.", StorageCode.SchemaMismatchExtraFields, stream.Table);
        }

        stream.Rows.AddRange(options.KeepRowValues ? decoded : decoded.ConvertAll(static row => row with { Values = FakeRowPosition.Of(row.Values) }));
        response.AppendResult = new AppendRowsResponse.Types.AppendResult { Offset = stream.IsDefault ? null : end };
        return response;
    }

    private FakeTable Table(string tablePath) =>
        _tables.TryGetValue(tablePath, out var table) ? table : throw new KeyNotFoundException($"The fake has no table {tablePath}.");

    private FakeStream Find(string name)
    {
        if (_streams.TryGetValue(name, out var stream))
        {
            return stream.Dropped ? throw new RpcException(new Status(StatusCode.NotFound, $"Stream {name} not found (dropped).")) : stream;
        }

        // Every table has a _default stream without creating one.
        if (name.EndsWith(FakeStream.DefaultSuffix, StringComparison.Ordinal) && _tables.ContainsKey(name[..^FakeStream.DefaultSuffix.Length]))
        {
            stream = new FakeStream(name, name[..^FakeStream.DefaultSuffix.Length], WriteStream.Types.Type.Committed, Timestamp.FromDateTimeOffset(Now));
            _streams.Add(name, stream);
            return stream;
        }

        throw new RpcException(new Status(StatusCode.NotFound, $"Stream {name} not found."));
    }

    private WriteStream Describe(FakeStream stream, WriteStreamView view)
    {
        var described = new WriteStream { Name = stream.Name, Type = stream.Type, CreateTime = stream.CreateTime, WriteMode = WriteStream.Types.WriteMode.Insert };
        if (view == WriteStreamView.Full)
        {
            described.TableSchema = _tables[stream.Table].VisibleAt(Now, options.SchemaPropagationDelay).Schema.Clone();
        }

        return described;
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>An error answer; with a <see cref="StorageError"/> detail, as the real service attaches for the errors clients switch on.</summary>
    private static AppendRowsResponse Error(AppendRowsResponse response, StatusCode code, string message, StorageCode? storageCode = null, string? entity = null)
    {
        response.Error = new RpcStatus { Code = (int)code, Message = message };
        if (storageCode is { } detail)
        {
            response.Error.Details.Add(Any.Pack(new StorageError { Code = detail, Entity = entity ?? "", ErrorMessage = message }));
        }

        return response;
    }
}
