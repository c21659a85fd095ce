using Grpc.Core;
using StreamHeal.Sink.BigQuery.Protos;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// Appends to one write stream over one AppendRows connection, opening it when needed. Appends may overlap: each is
/// sent under the appender's lock, in turn, and its answer awaited outside it, so several are in flight on the
/// connection at once (BigQuery answers them in order). There is no retry here: a broken connection or a throttle
/// surfaces at once as a <see cref="SinkUnavailableException"/>, and the sink stage's retry (its backoff, its circuit
/// breaker, its injected clock) retries the batch in place; the sink remembers what of it is done. Answers BigQuery
/// gives on a live connection are returned, not thrown, for the caller to classify once.
/// </summary>
internal sealed class StreamAppender(
    BigQueryWriteClient client, string table, string streamName, BigQueryRowLayout layout, AdaptiveConcurrency limiter, BigQuerySinkStats stats)
    : IAsyncDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private BigQueryAppendConnection? _connection;
    private volatile TableSchema? _updatedSchema;
    private Exception? _lastFailure;

    public string StreamName { get; } = streamName;

    /// <summary>The writer schema of the connection: the widest layout an append was encoded with so far.</summary>
    public BigQueryRowLayout Layout { get; private set; } = layout;

    /// <summary>The table schema BigQuery last reported on this stream (<c>updated_schema</c>), or null.</summary>
    public TableSchema? UpdatedSchema => _updatedSchema;

    /// <summary>
    /// Sends rows encoded with <paramref name="encodedWith"/> and returns BigQuery's answer. A wider layout than the
    /// connection's (columns were added) reopens it, since the writer schema goes with a connection's first request;
    /// rows of a narrower one go out as they are: a table's layouts only grow, each a prefix of the next, so an older
    /// row is a valid message of the newer schema.
    /// </summary>
    /// <exception cref="SinkUnavailableException">The connection broke or could not be opened (a retry may help).</exception>
    /// <exception cref="BigQueryStreamGoneException">The stream does not exist (any more).</exception>
    /// <exception cref="BigQueryTableUnavailableException">BigQuery refuses the call for a reason a retry will not fix.</exception>
    public async Task<AppendRowsResponse> AppendAsync(
        BigQueryRowLayout encodedWith, ReadOnlyMemory<byte> rows, int rowCount, long? offset, CancellationToken cancellationToken)
    {
        await limiter.AcquireAsync(cancellationToken).ConfigureAwait(false);
        BigQueryAppendConnection? connection = null;
        try
        {
            Task<AppendRowsResponse> answer;
            await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (encodedWith.Fields.Count > Layout.Fields.Count)
                {
                    Layout = encodedWith;
                    await CloseLockedAsync(null).ConfigureAwait(false);
                }

                connection = _connection ??= await client.OpenAppendAsync(StreamName, Layout, cancellationToken).ConfigureAwait(false);
                answer = await connection.SendAsync(rows, rowCount, offset, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _lock.Release();
            }

            var response = await answer.WaitAsync(cancellationToken).ConfigureAwait(false);
            stats.RecordAppend(table, rows.Length);
            stats.ClearConfigurationProblem();
            if (response.UpdatedSchema is { } updated)
            {
                _updatedSchema = updated;
            }

            if (SinkErrors.Classify(response) == SinkErrorAction.None)
            {
                limiter.OnSuccess();
            }

            return response;
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            if (connection is not null)
            {
                await CloseAsync(connection).ConfigureAwait(false);
            }

            var action = SinkErrors.Classify(e, onStream: true);
            var reason = $"{e.StatusCode}: {e.Status.Detail}";
            switch (action)
            {
                case SinkErrorAction.StreamGone:
                    throw new BigQueryStreamGoneException(StreamName, reason);
                case SinkErrorAction.Reconnect or SinkErrorAction.BackOff:
                    // A connection that breaks fails every append in flight on it with the same exception: one throttle
                    // (one halving of the limit) or one reconnect, not one per append it took down.
                    // Its connection is closed above; when opening one failed, there is none of its own to close.
                    if (!ReferenceEquals(Interlocked.Exchange(ref _lastFailure, e), e))
                    {
                        Count(action);
                    }

                    throw BigQueryCallFailure.Transient($"BigQuery append to {StreamName} failed", e, stats);
                default:
                    throw new BigQueryTableUnavailableException(
                        $"BigQuery refused appends to {StreamName} ({reason}). Check the service account's permissions (roles/bigquery.dataEditor) and that the table exists.", e);
            }
        }
        finally
        {
            limiter.Release();
        }
    }

    /// <summary>A transient answer on a live connection: counts it; one that calls for a reconnect closes the connection, so the next append opens a new one.</summary>
    public async ValueTask OnTransientAsync(SinkErrorAction action)
    {
        Count(action);
        if (action != SinkErrorAction.BackOff)
        {
            await CloseAsync(null).ConfigureAwait(false);
        }
    }

    private void Count(SinkErrorAction action)
    {
        if (action == SinkErrorAction.BackOff)
        {
            limiter.OnThrottled();
            stats.RecordThrottle(table);
        }
        else
        {
            stats.RecordReconnect(table);
        }
    }

    public ValueTask DisposeAsync() => CloseAsync(null);

    /// <summary>Closes the connection (only if it is still <paramref name="expected"/>, when given); appends still in flight on it get their answers first, or fail as transient.</summary>
    private async ValueTask CloseAsync(BigQueryAppendConnection? expected)
    {
        await _lock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await CloseLockedAsync(expected).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async ValueTask CloseLockedAsync(BigQueryAppendConnection? expected)
    {
        if (_connection is { } connection && (expected is null || ReferenceEquals(connection, expected)))
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>A COMMITTED stream is gone (expired or deleted): what it held past the last checkpoint is unknown.</summary>
internal sealed class BigQueryStreamGoneException(string stream, string reason)
    : Exception($"BigQuery write stream {stream} no longer exists ({reason}).")
{
    public string Stream { get; } = stream;
}

/// <summary>
/// BigQuery refuses this table for a reason retrying will not fix (permissions, a missing table with auto-create off):
/// the message says what to change. The table's partitions stop; nothing is committed past what was written.
/// </summary>
public sealed class BigQueryTableUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
