using Grpc.Core;
using StreamHeal.Sink.BigQuery.Protos;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// Appends to one write stream over one AppendRows connection, opening it when needed. There is no retry here: a
/// broken connection or a throttle surfaces at once as a <see cref="SinkUnavailableException"/>, and the sink stage's
/// retry (its backoff, its circuit breaker, its injected clock) retries the batch in place; the sink remembers what of it
/// is done. Answers BigQuery gives on a live connection are returned, not thrown, for the caller to classify once.
/// </summary>
internal sealed class StreamAppender(
    BigQueryWriteClient client, string table, string streamName, BigQueryRowLayout layout, AdaptiveConcurrency limiter, BigQuerySinkStats stats)
    : IAsyncDisposable
{
    private BigQueryAppendConnection? _connection;

    public string StreamName { get; } = streamName;

    public BigQueryRowLayout Layout { get; private set; } = layout;

    /// <summary>The table schema BigQuery last reported on this stream (<c>updated_schema</c>), or null.</summary>
    public TableSchema? UpdatedSchema { get; private set; }

    /// <summary>Writes later rows with <paramref name="layout"/>: the writer schema goes with a connection's first request, so it reconnects.</summary>
    public async ValueTask UseLayoutAsync(BigQueryRowLayout layout)
    {
        if (ReferenceEquals(layout, Layout))
        {
            return;
        }

        Layout = layout;
        await CloseAsync().ConfigureAwait(false);
    }

    /// <exception cref="SinkUnavailableException">The connection broke or could not be opened (a retry may help).</exception>
    /// <exception cref="BigQueryStreamGoneException">The stream does not exist (any more).</exception>
    /// <exception cref="BigQueryTableUnavailableException">BigQuery refuses the call for a reason a retry will not fix.</exception>
    public async Task<AppendRowsResponse> AppendAsync(ReadOnlyMemory<byte> rows, int rowCount, long? offset, CancellationToken cancellationToken)
    {
        await limiter.AcquireAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _connection ??= await client.OpenAppendAsync(StreamName, Layout, cancellationToken).ConfigureAwait(false);
            var response = await _connection.AppendAsync(rows, rowCount, offset, cancellationToken).ConfigureAwait(false);
            stats.RecordAppend(table, rows.Length);
            stats.ClearConfigurationProblem();
            if (response.UpdatedSchema is { } updated)
            {
                UpdatedSchema = updated;
            }

            if (SinkErrors.Classify(response) == SinkErrorAction.None)
            {
                limiter.OnSuccess();
            }

            return response;
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            await CloseAsync().ConfigureAwait(false);
            var action = SinkErrors.Classify(e, onStream: true);
            var reason = $"{e.StatusCode}: {e.Status.Detail}";
            switch (action)
            {
                case SinkErrorAction.StreamGone:
                    throw new BigQueryStreamGoneException(StreamName, reason);
                case SinkErrorAction.Reconnect or SinkErrorAction.BackOff:
                    await OnTransientAsync(action).ConfigureAwait(false);
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

    /// <summary>Counts a transient failure; one that broke the connection closes it so the next append opens a new one.</summary>
    public async ValueTask OnTransientAsync(SinkErrorAction action)
    {
        if (action == SinkErrorAction.BackOff)
        {
            limiter.OnThrottled();
            stats.RecordThrottle(table);
            return;
        }

        stats.RecordReconnect(table);
        await CloseAsync().ConfigureAwait(false);
    }

    public async ValueTask CloseAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => CloseAsync();
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
