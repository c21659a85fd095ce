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
    /// <summary>Nothing a retry fixes (permission, missing table or stream, malformed request): stop writing this table.</summary>
    Fatal,
}

/// <summary>The one place gRPC status codes from the BigQuery Storage Write API are classified.</summary>
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
        StatusCode.InvalidArgument when hasRowErrors => SinkErrorAction.DeadLetterRows,
        _ => SinkErrorAction.Fatal,
    };

    /// <summary>A failed call: the whole RPC (or AppendRows connection) ended with this status.</summary>
    public static SinkErrorAction Classify(RpcException exception) => Classify(exception.StatusCode, hasRowErrors: false);

    /// <summary>One append's response on a live connection.</summary>
    internal static SinkErrorAction Classify(AppendRowsResponse response) => response.ResponseCase switch
    {
        AppendRowsResponse.ResponseOneofCase.Error => Classify((StatusCode)response.Error.Code, response.RowErrors.Count > 0),
        _ when response.RowErrors.Count > 0 => SinkErrorAction.DeadLetterRows,
        _ => SinkErrorAction.None,
    };
}
