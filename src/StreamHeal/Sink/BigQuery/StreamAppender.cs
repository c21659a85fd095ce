using Grpc.Core;
using StreamHeal.Retry;
using StreamHeal.Sink.BigQuery.Protos;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// Appends to one write stream over one AppendRows connection, reopening it when it breaks and backing off when
/// BigQuery throttles. Hiccups are retried a few times here; after that the caller sees a
/// <see cref="SinkUnavailableException"/> and the sink stage retries the batch in place (the sink remembers what of it is
/// done). Answers BigQuery gives about the rows themselves (offsets, row errors, invalid requests) are returned, not thrown.
/// </summary>
internal sealed class StreamAppender(
    BigQueryWriteClient client, string streamName, BigQueryRowLayout layout, AdaptiveConcurrency limiter, BigQuerySinkStats stats, Func<double> random)
    : IAsyncDisposable
{
    private const int QuickAttempts = 4;
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

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

    /// <exception cref="SinkUnavailableException">The stream kept failing or throttling.</exception>
    /// <exception cref="BigQueryStreamGoneException">The stream does not exist (any more).</exception>
    /// <exception cref="BigQueryTableUnavailableException">BigQuery refuses for a reason a retry will not fix.</exception>
    public async Task<AppendRowsResponse> AppendAsync(ReadOnlyMemory<byte> rows, int rowCount, long? offset, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            SinkErrorAction action;
            string reason;
            await limiter.AcquireAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                _connection ??= await client.OpenAppendAsync(StreamName, Layout, cancellationToken).ConfigureAwait(false);
                var response = await _connection.AppendAsync(rows, rowCount, offset, cancellationToken).ConfigureAwait(false);
                stats.RecordAppend();
                if (response.UpdatedSchema is { } updated)
                {
                    UpdatedSchema = updated;
                }

                action = SinkErrors.Classify(response);
                if (response.Error is { } error && (StatusCode)error.Code is StatusCode.NotFound)
                {
                    throw new BigQueryStreamGoneException(StreamName, $"NotFound: {error.Message}");
                }

                if (response.Error is { } denied && (StatusCode)denied.Code is StatusCode.PermissionDenied)
                {
                    throw new BigQueryTableUnavailableException(
                        $"BigQuery refused appends to {StreamName} (PermissionDenied: {denied.Message}). Grant the service account roles/bigquery.dataEditor on the dataset.");
                }

                if (action is not (SinkErrorAction.Reconnect or SinkErrorAction.BackOff))
                {
                    if (action == SinkErrorAction.None)
                    {
                        limiter.OnSuccess();
                    }

                    return response;
                }

                reason = $"{(StatusCode)response.Error.Code}: {response.Error.Message}";
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                await CloseAsync().ConfigureAwait(false);
                action = SinkErrors.Classify(e);
                reason = $"{e.StatusCode}: {e.Status.Detail}";
                if (e.StatusCode == StatusCode.NotFound)
                {
                    throw new BigQueryStreamGoneException(StreamName, reason);
                }

                if (action == SinkErrorAction.Fatal)
                {
                    throw new BigQueryTableUnavailableException(
                        $"BigQuery refused appends to {StreamName} ({reason}). Check the service account's permissions (roles/bigquery.dataEditor) and that the table exists.", e);
                }
            }
            finally
            {
                limiter.Release();
            }

            if (action == SinkErrorAction.BackOff)
            {
                limiter.OnThrottled();
                stats.RecordThrottle();
            }
            else
            {
                stats.RecordReconnect();
                await CloseAsync().ConfigureAwait(false);
            }

            if (attempt + 1 >= QuickAttempts)
            {
                throw new SinkUnavailableException($"BigQuery append to {StreamName} failed {QuickAttempts} times; last: {reason}");
            }

            await Task.Delay(Backoff.FullJitter(attempt, BaseDelay, MaxDelay, random()), cancellationToken).ConfigureAwait(false);
        }
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
