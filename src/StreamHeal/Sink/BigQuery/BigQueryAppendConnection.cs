using Google.Protobuf;
using Grpc.Core;
using StreamHeal.Sink.BigQuery.Protos;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// One open AppendRows stream. Appends may be pipelined: BigQuery answers in request order, so each request's
/// completion waits in a FIFO and the reader completes the head for each response. When the stream breaks every append
/// in flight fails with the same <see cref="RpcException"/>, and the connection is dead: classify with
/// <see cref="SinkErrors"/>, open a new one and resend from the stream's end.
/// </summary>
internal sealed class BigQueryAppendConnection : IAsyncDisposable
{
    private static readonly Method<AppendRowsFrame, AppendRowsResponse> AppendRowsMethod = new(
        MethodType.DuplexStreaming,
        BigQueryWrite.Descriptor.FullName,
        "AppendRows",
        Marshallers.Create<AppendRowsFrame>(
            static (frame, context) =>
            {
                context.SetPayloadLength(frame.ComputeSize());
                frame.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            static _ => throw new NotSupportedException("A client never reads AppendRows requests.")),
        Marshallers.Create(
            static (AppendRowsResponse response, SerializationContext context) => context.Complete(response.ToByteArray()),
            static context => AppendRowsResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a failed write waits for the call's final status before it settles for its own exception.</summary>
    private static readonly TimeSpan EndedCallGrace = TimeSpan.FromSeconds(2);

    private readonly AsyncDuplexStreamingCall<AppendRowsFrame, AppendRowsResponse> _call;
    private readonly ReadOnlyMemory<byte> _writerSchema;
    private readonly string? _traceId;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Queue<TaskCompletionSource<AppendRowsResponse>> _inFlight = new();
    private readonly Task _reader;
    private Exception? _failure;
    private bool _sentFirst;

    public BigQueryAppendConnection(CallInvoker invoker, Metadata headers, string streamName, ReadOnlyMemory<byte> writerSchema, string? traceId)
    {
        StreamName = streamName;
        _writerSchema = writerSchema;
        _traceId = traceId;
        _call = invoker.AsyncDuplexStreamingCall(AppendRowsMethod, host: null, new CallOptions(headers));
        _reader = ReadResponsesAsync();
    }

    public string StreamName { get; }

    /// <summary>False once the stream broke; every later append fails at once.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _failure is null;
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="rowCount"/> framed rows at <paramref name="offset"/> (null: at the end, as the
    /// <c>_default</c> stream requires) and returns once the request is written, with BigQuery's answer still to come
    /// (it may carry an error or row errors): the caller may send the next append meanwhile, and the answers complete in
    /// the order the appends were sent.
    /// </summary>
    /// <exception cref="RpcException">The stream broke; classify with <see cref="SinkErrors.Classify(RpcException, bool)"/>.</exception>
    public async Task<Task<AppendRowsResponse>> SendAsync(ReadOnlyMemory<byte> rows, int rowCount, long? offset, CancellationToken cancellationToken)
    {
        Task<AppendRowsResponse> response;
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var first = !_sentFirst;
            var frame = new AppendRowsFrame
            {
                // BigQuery takes the stream, schema and trace id from a connection's first request and ignores them later.
                WriteStream = first ? StreamName : null,
                WriterSchema = first ? _writerSchema : default,
                TraceId = first ? _traceId : null,
                Offset = offset,
                Rows = rows,
                RowCount = rowCount,
            };
            var completion = new TaskCompletionSource<AppendRowsResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_failure is not null)
                {
                    throw _failure;
                }

                _inFlight.Enqueue(completion);
            }

            try
            {
                await _call.RequestStream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // A write that did not finish leaves the stream in an unknown state: nothing after it can be matched.
                // Every append the stream's end fails gets the same exception, so the caller counts one outage, not
                // one per append. Unless the caller gave up, the call has usually just ended: its status reaches the
                // reader, and says why (a throttle is a throttle) where the write's exception only says it is over.
                if (!cancellationToken.IsCancellationRequested)
                {
                    await _reader.WaitAsync(EndedCallGrace, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                throw Fail(EndedCall() ?? ex as RpcException ?? new RpcException(new Status(StatusCode.Cancelled, "An AppendRows write did not complete.", ex)));
            }

            _sentFirst = true;
            response = completion.Task;
        }
        finally
        {
            _sendLock.Release();
        }

        return response;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
            await _reader.WaitAsync(CloseTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or TimeoutException)
        {
            // Closing a broken or slow stream: the call is cancelled below either way.
        }
        finally
        {
            _call.Dispose();
            // An append still unanswered here may or may not be in the table: a transient failure, so its batch is
            // sent again (at-least-once allows the copy; explicit offsets find it).
            Fail(new RpcException(new Status(StatusCode.Unavailable, $"The AppendRows connection to '{StreamName}' was closed before BigQuery answered this append.")));
            _sendLock.Dispose();
        }
    }

    private async Task ReadResponsesAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
                TaskCompletionSource<AppendRowsResponse>? head;
                lock (_gate)
                {
                    _inFlight.TryDequeue(out head);
                }

                if (head is null)
                {
                    throw new RpcException(new Status(StatusCode.Internal, $"BigQuery sent an AppendRows response for stream '{StreamName}' with no request in flight."));
                }

                head.TrySetResult(_call.ResponseStream.Current);
            }

            Fail(new RpcException(new Status(StatusCode.Unavailable, $"BigQuery closed the AppendRows stream for '{StreamName}'.")));
        }
        catch (Exception ex)
        {
            Fail(ex is RpcException ? ex : new RpcException(new Status(StatusCode.Unknown, ex.Message, ex)));
        }
    }

    /// <summary>Ends the connection with its first failure, which every append in flight gets; returns that failure.</summary>
    private Exception Fail(Exception failure)
    {
        TaskCompletionSource<AppendRowsResponse>[] pending;
        Exception first;
        lock (_gate)
        {
            first = _failure ??= failure;
            pending = [.. _inFlight];
            _inFlight.Clear();
        }

        foreach (var completion in pending)
        {
            completion.TrySetException(first);
        }

        return first;
    }

    /// <summary>The call's final status as an exception, once the call has ended with an error; else null.</summary>
    private RpcException? EndedCall()
    {
        try
        {
            var status = _call.GetStatus();
            return status.StatusCode == StatusCode.OK ? null : new RpcException(status, _call.GetTrailers());
        }
        catch (InvalidOperationException)
        {
            // Still running (or ended without a status yet): the write's own exception says what happened.
            return null;
        }
    }
}
