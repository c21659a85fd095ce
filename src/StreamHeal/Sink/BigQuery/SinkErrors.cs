using System.Security.Authentication;
using Grpc.Core;
using StreamHeal.Sink.BigQuery.Protos;

namespace StreamHeal.Sink.BigQuery;

/// <summary>What the BigQuery sink does about a failed call or append.</summary>
public enum SinkErrorAction : byte
{
    /// <summary>No error.</summary>
    None,
    /// <summary>The connection or the server hiccupped: open a new AppendRows stream and resend from the stream's end.</summary>
    Reconnect,
    /// <summary>Quota or throughput limit: wait (with backoff) before resending; the connection may stay.</summary>
    BackOff,
    /// <summary>ALREADY_EXISTS: the stream already holds rows at this offset (an earlier try landed); skip them.</summary>
    AlreadyWritten,
    /// <summary>OUT_OF_RANGE: the offset is past the stream's end; ask the stream for its end and resend from there.</summary>
    OffsetGap,
    /// <summary>INVALID_ARGUMENT with row errors: the named rows go to the DLQ and the rest are resent.</summary>
    DeadLetterRows,
    /// <summary>Nothing a retry fixes (permission, missing table, malformed request): stop writing this table.</summary>
    Fatal,
    /// <summary>The rows name a column the stream does not know yet: wait until BigQuery reports it, then resend.</summary>
    AwaitColumns,
    /// <summary>The COMMITTED stream is finalized: learn its row count and go on on a new stream.</summary>
    StreamFinalized,
    /// <summary>NOT_FOUND: the stream is gone (expired or deleted); what it held past the last checkpoint is unknown.</summary>
    StreamGone,
    /// <summary>INVALID_ARGUMENT naming no row: split the request until the refusal names single rows, which are dead-lettered.</summary>
    Bisect,
}

/// <summary>The one place gRPC status codes and append answers from the BigQuery Storage Write API are classified.</summary>
public static class SinkErrors
{
    /// <remarks>
    /// CANCELLED counts as <see cref="SinkErrorAction.Reconnect"/> because the server cancels streams it moves; a
    /// cancellation the caller asked for is the caller's to recognise before classifying.
    /// </remarks>
    public static SinkErrorAction Classify(StatusCode code, bool hasRowErrors) => code switch
    {
        StatusCode.OK => SinkErrorAction.None,
        StatusCode.Unavailable or StatusCode.Internal or StatusCode.Aborted or StatusCode.DeadlineExceeded
            or StatusCode.Cancelled or StatusCode.Unknown or StatusCode.Unauthenticated => SinkErrorAction.Reconnect,
        StatusCode.ResourceExhausted => SinkErrorAction.BackOff,
        StatusCode.AlreadyExists => SinkErrorAction.AlreadyWritten,
        StatusCode.OutOfRange => SinkErrorAction.OffsetGap,
        StatusCode.NotFound => SinkErrorAction.StreamGone,
        StatusCode.InvalidArgument when hasRowErrors => SinkErrorAction.DeadLetterRows,
        StatusCode.InvalidArgument => SinkErrorAction.Bisect,
        _ => SinkErrorAction.Fatal,
    };

    /// <summary>A failed call: the whole RPC (or AppendRows connection) ended with this status.</summary>
    /// <remarks>
    /// A failed call names no rows, so INVALID_ARGUMENT is fatal, and NOT_FOUND may be the table as well as a stream:
    /// fatal too, except that a call on one stream (<paramref name="onStream"/>: an AppendRows connection) that is not
    /// found means that stream is gone.
    /// </remarks>
    public static SinkErrorAction Classify(RpcException exception, bool onStream = false) => exception.StatusCode switch
    {
        StatusCode.NotFound when onStream => SinkErrorAction.StreamGone,
        StatusCode.InvalidArgument or StatusCode.NotFound => SinkErrorAction.Fatal,
        var code => Classify(code, hasRowErrors: false),
    };

    /// <summary>
    /// One append's answer on a live connection. BigQuery's own storage error code, when it sends one, says more than
    /// the status: a schema mismatch or a finalized stream arrive as INVALID_ARGUMENT but are not bad rows.
    /// </summary>
    internal static SinkErrorAction Classify(AppendRowsResponse response)
    {
        if (response.ResponseCase != AppendRowsResponse.ResponseOneofCase.Error)
        {
            return response.RowErrors.Count > 0 ? SinkErrorAction.DeadLetterRows : SinkErrorAction.None;
        }

        foreach (var detail in response.Error.Details)
        {
            if (detail.TryUnpack<StorageError>(out var storage))
            {
                switch (storage.Code)
                {
                    case StorageError.Types.StorageErrorCode.SchemaMismatchExtraFields:
                        return SinkErrorAction.AwaitColumns;
                    case StorageError.Types.StorageErrorCode.StreamFinalized:
                        return SinkErrorAction.StreamFinalized;
                    case StorageError.Types.StorageErrorCode.StreamNotFound:
                        return SinkErrorAction.StreamGone;
                }
            }
        }

        return Classify((StatusCode)response.Error.Code, response.RowErrors.Count > 0);
    }

    /// <summary>Whether a retry of the batch may help: the dependency hiccupped or throttled.</summary>
    public static bool IsTransient(SinkErrorAction action) => action is SinkErrorAction.Reconnect or SinkErrorAction.BackOff;

    /// <summary>
    /// Why the TLS handshake with a BigQuery endpoint failed, when that is what <paramref name="exception"/> is about;
    /// null otherwise. gRPC and HttpClient only say "The SSL connection could not be established, see inner exception":
    /// the cause (an untrusted chain, a name mismatch) is the <see cref="AuthenticationException"/> below.
    /// </summary>
    public static string? TlsRefusal(Exception exception)
    {
        var secureConnectionFailed = false;
        for (var e = exception; e is not null; e = Next(e))
        {
            if (e is AuthenticationException authentication)
            {
                return authentication.Message;
            }

            secureConnectionFailed |= e is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError };
        }

        return secureConnectionFailed ? "the TLS handshake failed (no further cause given)" : null;

        static Exception? Next(Exception e) => e is RpcException { Status.DebugException: { } debug } ? debug : e.InnerException;
    }
}
