using System.Security.Authentication;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.BigQuery.Protos;
using Xunit;
using StorageCode = StreamHeal.Sink.BigQuery.Protos.StorageError.Types.StorageErrorCode;

namespace StreamHeal.Tests.Sink.BigQuery;

/// <summary>The classification table: one answer of BigQuery, one action of the sink.</summary>
public sealed class SinkErrorsTests
{
    [Theory]
    [InlineData(StatusCode.OK, false, SinkErrorAction.None)]
    [InlineData(StatusCode.Unavailable, false, SinkErrorAction.Reconnect)]
    [InlineData(StatusCode.Internal, false, SinkErrorAction.Reconnect)]
    [InlineData(StatusCode.Aborted, false, SinkErrorAction.Reconnect)]
    [InlineData(StatusCode.DeadlineExceeded, false, SinkErrorAction.Reconnect)]
    [InlineData(StatusCode.Cancelled, false, SinkErrorAction.Reconnect)]
    [InlineData(StatusCode.Unknown, false, SinkErrorAction.Reconnect)]
    [InlineData(StatusCode.Unauthenticated, false, SinkErrorAction.Reconnect)]
    [InlineData(StatusCode.ResourceExhausted, false, SinkErrorAction.BackOff)]
    [InlineData(StatusCode.AlreadyExists, false, SinkErrorAction.AlreadyWritten)]
    [InlineData(StatusCode.OutOfRange, false, SinkErrorAction.OffsetGap)]
    [InlineData(StatusCode.NotFound, false, SinkErrorAction.StreamGone)]
    [InlineData(StatusCode.InvalidArgument, true, SinkErrorAction.DeadLetterRows)]
    [InlineData(StatusCode.InvalidArgument, false, SinkErrorAction.Bisect)]
    [InlineData(StatusCode.PermissionDenied, false, SinkErrorAction.Fatal)]
    [InlineData(StatusCode.FailedPrecondition, false, SinkErrorAction.Fatal)]
    public void An_append_answer_with_a_status_maps_to_one_action(StatusCode code, bool rowErrors, SinkErrorAction expected) =>
        Assert.Equal(expected, SinkErrors.Classify(Response(code, rowErrors)));

    [Theory]
    [InlineData((int)StorageCode.SchemaMismatchExtraFields, SinkErrorAction.AwaitColumns)]
    [InlineData((int)StorageCode.StreamFinalized, SinkErrorAction.StreamFinalized)]
    [InlineData((int)StorageCode.StreamNotFound, SinkErrorAction.StreamGone)]
    [InlineData((int)StorageCode.InvalidStreamState, SinkErrorAction.Bisect)]
    public void BigQuerys_storage_error_code_decides_before_the_status(int storage, SinkErrorAction expected)
    {
        var response = Response(StatusCode.InvalidArgument, rowErrors: false);
        response.Error.Details.Add(Any.Pack(new StorageError { Code = (StorageCode)storage, Entity = "s" }));

        Assert.Equal(expected, SinkErrors.Classify(response));
    }

    [Fact]
    public void Row_errors_without_an_error_status_dead_letter_the_rows() =>
        Assert.Equal(SinkErrorAction.DeadLetterRows, SinkErrors.Classify(new AppendRowsResponse { RowErrors = { new RowError { Index = 0 } } }));

    [Theory]
    [InlineData(StatusCode.Unavailable, SinkErrorAction.Reconnect)]
    [InlineData(StatusCode.ResourceExhausted, SinkErrorAction.BackOff)]
    [InlineData(StatusCode.NotFound, SinkErrorAction.Fatal)]
    [InlineData(StatusCode.InvalidArgument, SinkErrorAction.Fatal)]
    [InlineData(StatusCode.PermissionDenied, SinkErrorAction.Fatal)]
    public void A_failed_call_names_no_rows(StatusCode code, SinkErrorAction expected) =>
        Assert.Equal(expected, SinkErrors.Classify(new RpcException(new Status(code, "x"))));

    [Theory]
    [InlineData(StatusCode.NotFound, SinkErrorAction.StreamGone)]
    [InlineData(StatusCode.Unavailable, SinkErrorAction.Reconnect)]
    [InlineData(StatusCode.InvalidArgument, SinkErrorAction.Fatal)]
    public void A_failed_call_on_one_stream_that_is_not_found_means_the_stream_is_gone(StatusCode code, SinkErrorAction expected) =>
        Assert.Equal(expected, SinkErrors.Classify(new RpcException(new Status(code, "x")), onStream: true));

    [Theory]
    [InlineData(SinkErrorAction.Reconnect, true)]
    [InlineData(SinkErrorAction.BackOff, true)]
    [InlineData(SinkErrorAction.Fatal, false)]
    [InlineData(SinkErrorAction.StreamGone, false)]
    [InlineData(SinkErrorAction.AlreadyWritten, false)]
    public void Only_hiccups_and_throttles_are_transient(SinkErrorAction action, bool transient) =>
        Assert.Equal(transient, SinkErrors.IsTransient(action));

    [Fact]
    public void A_refused_certificate_is_described_by_the_handshakes_own_cause()
    {
        var handshake = new AuthenticationException("The remote certificate is invalid because of errors in the certificate chain: UntrustedRoot");
        var http = new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established, see inner exception.", handshake);
        var rpc = new RpcException(new Status(StatusCode.Unavailable, "Error starting gRPC call. HttpRequestException: The SSL connection could not be established, see inner exception.", http));

        Assert.Equal(handshake.Message, SinkErrors.TlsRefusal(rpc));
        Assert.Null(SinkErrors.TlsRefusal(new RpcException(new Status(StatusCode.Unavailable, "connection refused", new HttpRequestException("refused")))));
    }

    private static AppendRowsResponse Response(StatusCode code, bool rowErrors)
    {
        var response = code == StatusCode.OK ? new AppendRowsResponse { AppendResult = new AppendRowsResponse.Types.AppendResult() } : new AppendRowsResponse { Error = new Google.Rpc.Status { Code = (int)code, Message = "m" } };
        if (rowErrors)
        {
            response.RowErrors.Add(new RowError { Index = 0, Message = "bad" });
        }

        return response;
    }
}
