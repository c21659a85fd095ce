using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using StreamHeal.Sink.BigQuery.Protos;
using RpcStatus = Google.Rpc.Status;

namespace StreamHeal.Host.DevBigQuery;

/// <summary>A write stream of the fake: its decoded rows, in stream order.</summary>
internal sealed class FakeStream(string name, string table, WriteStream.Types.Type type, Timestamp createTime)
{
    public string Name { get; } = name;

    public string Table { get; } = table;

    public WriteStream.Types.Type Type { get; } = type;

    public Timestamp CreateTime { get; } = createTime;

    public List<IReadOnlyDictionary<string, object?>> Rows { get; } = [];

    public bool Finalized { get; set; }

    public bool IsDefault => Name.EndsWith("/streams/_default", StringComparison.Ordinal);
}

/// <summary>
/// Tables and streams of the fake with BigQuery's append rules: a COMMITTED stream takes an append only at exactly its
/// end (below: ALREADY_EXISTS, above: OUT_OF_RANGE, both for the whole request); <c>_default</c> takes no offset; a
/// request with any bad row appends nothing and names the bad rows. Thread-safe.
/// </summary>
internal sealed class FakeBigQueryStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TableSchema> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeStream> _streams = new(StringComparer.Ordinal);

    public void CreateTable(string tablePath, TableSchema schema)
    {
        lock (_gate)
        {
            _tables[tablePath] = schema;
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

            var stream = new FakeStream($"{tablePath}/streams/{Guid.NewGuid():N}", tablePath, type, Timestamp.FromDateTime(DateTime.UtcNow));
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

    /// <summary>Every row of the table over all its streams, in stream creation and append order.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> RowsOf(string tablePath)
    {
        lock (_gate)
        {
            return [.. _streams.Values.Where(stream => stream.Table == tablePath).SelectMany(stream => stream.Rows)];
        }
    }

    public AppendRowsResponse Append(string streamName, long? offset, DescriptorProto schema, IReadOnlyList<ByteString> rows)
    {
        lock (_gate)
        {
            var stream = Find(streamName);
            var response = new AppendRowsResponse { WriteStream = stream.Name };
            if (stream.Finalized)
            {
                return Error(response, StatusCode.InvalidArgument, $"Stream {stream.Name} is finalized.");
            }

            if (stream.IsDefault && offset is not null)
            {
                return Error(response, StatusCode.InvalidArgument, "An offset cannot be given for the _default stream.");
            }

            var end = stream.Rows.Count;
            if (offset < end)
            {
                return Error(response, StatusCode.AlreadyExists, $"Offset {offset} is below the stream's end {end}.");
            }

            if (offset > end)
            {
                return Error(response, StatusCode.OutOfRange, $"Offset {offset} is beyond the stream's end {end}.");
            }

            var decoded = new List<IReadOnlyDictionary<string, object?>>(rows.Count);
            for (var i = 0; i < rows.Count; i++)
            {
                var (row, error) = FakeRowDecoder.Decode(schema, rows[i], _tables[stream.Table]);
                if (error is not null)
                {
                    response.RowErrors.Add(new RowError { Index = i, Code = RowError.Types.RowErrorCode.FieldsError, Message = error });
                }

                decoded.Add(row);
            }

            if (response.RowErrors.Count > 0)
            {
                return Error(response, StatusCode.InvalidArgument, $"{response.RowErrors.Count} of {rows.Count} rows are invalid; nothing was appended.");
            }

            stream.Rows.AddRange(decoded);
            response.AppendResult = new AppendRowsResponse.Types.AppendResult { Offset = stream.IsDefault ? null : end };
            return response;
        }
    }

    private FakeStream Find(string name)
    {
        if (_streams.TryGetValue(name, out var stream))
        {
            return stream;
        }

        // Every table has a _default stream without creating one.
        const string DefaultSuffix = "/streams/_default";
        if (name.EndsWith(DefaultSuffix, StringComparison.Ordinal) && _tables.ContainsKey(name[..^DefaultSuffix.Length]))
        {
            stream = new FakeStream(name, name[..^DefaultSuffix.Length], WriteStream.Types.Type.Committed, Timestamp.FromDateTime(DateTime.UtcNow));
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
            described.TableSchema = _tables[stream.Table].Clone();
        }

        return described;
    }

    private static AppendRowsResponse Error(AppendRowsResponse response, StatusCode code, string message)
    {
        response.Error = new RpcStatus { Code = (int)code, Message = message };
        return response;
    }
}
