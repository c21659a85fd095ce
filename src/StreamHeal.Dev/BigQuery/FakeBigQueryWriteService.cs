using Google.Protobuf.Reflection;
using Grpc.Core;
using StreamHeal.Dev.BigQuery.Protos;

namespace StreamHeal.Dev.BigQuery;

/// <summary>The BigQueryWrite gRPC service of the fake, over <see cref="FakeBigQueryStore"/>.</summary>
internal sealed class FakeBigQueryWriteService(FakeBigQueryStore store, FakeBigQueryFaults faults, FakeCallLog calls, FakeAppendLog appends, FakeBigQueryOptions options)
    : BigQueryWrite.BigQueryWriteBase
{
    public override Task<WriteStream> CreateWriteStream(CreateWriteStreamRequest request, ServerCallContext context)
    {
        Enter("CreateWriteStream", context);
        return Task.FromResult(store.CreateStream(request.Parent, request.WriteStream?.Type ?? WriteStream.Types.Type.Committed));
    }

    public override Task<WriteStream> GetWriteStream(GetWriteStreamRequest request, ServerCallContext context)
    {
        Enter("GetWriteStream", context);
        return Task.FromResult(store.GetStream(request.Name, request.View));
    }

    public override Task<FinalizeWriteStreamResponse> FinalizeWriteStream(FinalizeWriteStreamRequest request, ServerCallContext context)
    {
        Enter("FinalizeWriteStream", context);
        return Task.FromResult(new FinalizeWriteStreamResponse { RowCount = store.Finalize(request.Name) });
    }

    public override async Task AppendRows(IAsyncStreamReader<AppendRowsRequest> requestStream, IServerStreamWriter<AppendRowsResponse> responseStream, ServerCallContext context)
    {
        Enter(call: null, context);
        using var connection = faults.Register(context.CancellationToken);
        var state = new FakeConnectionState(appends.NewConnection());
        try
        {
            if (options.NetworkDelay > TimeSpan.Zero)
            {
                await using var delayed = new DelayedAnswers(responseStream, appends, options.NetworkDelay, options.TimeProvider, connection.Token);
                await ServeAsync(requestStream, delayed.SendAsync, state, connection.Token);
            }
            else
            {
                await ServeAsync(requestStream, (response, append, status, version, token) => WriteAnswerAsync(responseStream, response, append, status, version, token), state, connection.Token);
            }
        }
        catch (OperationCanceledException) when (connection.Token.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "Injected break of all AppendRows connections."));
        }
    }

    private async Task WriteAnswerAsync(
        IServerStreamWriter<AppendRowsResponse> responseStream, AppendRowsResponse response, FakeAppend append, StatusCode status, int? updatedSchemaVersion, CancellationToken cancellationToken)
    {
        await responseStream.WriteAsync(response, cancellationToken);
        appends.End(append, status, updatedSchemaVersion);
    }

    private async Task ServeAsync(IAsyncStreamReader<AppendRowsRequest> requestStream, AppendAnswer answer, FakeConnectionState state, CancellationToken cancellationToken)
    {
        string? streamName = null;
        DescriptorProto? schema = null;
        while (await requestStream.MoveNext(cancellationToken))
        {
            var request = requestStream.Current;
            var rows = request.ProtoRows?.Rows?.SerializedRows ?? [];
            var size = request.CalculateSize();
            var append = appends.Begin(state.Id, streamName ?? request.WriteStream, request.Offset, rows.Count, size);
            try
            {
                await faults.BeforeAppendAsync(cancellationToken);
                if (size >= FakeBigQueryStore.MaxRequestBytes)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"AppendRows request is {size} bytes; the limit is {FakeBigQueryStore.MaxRequestBytes}."));
                }

                if (request.WriteStream.Length > 0 && streamName is not null && request.WriteStream != streamName)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"write_stream {request.WriteStream} differs from this connection's {streamName}."));
                }

                // The stream and the writer schema come with a connection's first request only.
                streamName ??= request.WriteStream.Length > 0
                    ? request.WriteStream
                    : throw new RpcException(new Status(StatusCode.InvalidArgument, "The first AppendRows request must name write_stream."));
                schema ??= request.ProtoRows?.WriterSchema?.ProtoDescriptor
                    ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "The first AppendRows request must carry writer_schema."));
                var (response, updatedSchemaVersion) = store.Append(streamName, request.Offset, schema, rows, state);
                await answer(response, append, response.Error is { } error ? (StatusCode)error.Code : StatusCode.OK, updatedSchemaVersion, cancellationToken);
            }
            catch (RpcException ex)
            {
                appends.End(append, ex.StatusCode);
                throw;
            }
            catch (Exception)
            {
                appends.End(append, StatusCode.Cancelled);
                throw;
            }
        }
    }

    private void Enter(string? call, ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue("x-goog-request-params") is { } routing)
        {
            calls.RoutingHeaders.Enqueue(Uri.UnescapeDataString(routing));
        }

        if (context.RequestHeaders.GetValue("authorization") is { } authorization)
        {
            calls.Authorizations.Enqueue(authorization);
        }

        if (call is not null)
        {
            faults.ThrowIfScripted(call);
        }
    }
}
