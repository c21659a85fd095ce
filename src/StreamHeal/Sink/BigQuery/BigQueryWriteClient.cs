using Grpc.Core;
using Grpc.Net.Client;
using StreamHeal.Sink.BigQuery.Protos;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// A thin client of the BigQuery Storage Write API over Grpc.Net.Client: stream management through the generated
/// client, appends through <see cref="BigQueryAppendConnection"/>. Every call carries the
/// <c>x-goog-request-params</c> routing header BigQuery needs to find the stream's home, and a bearer token when a
/// provider is given. Thread-safe.
/// </summary>
internal sealed class BigQueryWriteClient : IDisposable
{
    public const string DefaultStreamId = "_default";

    private readonly GrpcChannel _channel;
    private readonly BigQueryWrite.BigQueryWriteClient _client;
    private readonly Func<CancellationToken, ValueTask<string?>>? _tokenProvider;

    /// <param name="tokenProvider">Returns an OAuth access token (or null for none); asked before each call and connection.</param>
    public BigQueryWriteClient(BigQueryWriteOptions options, Func<CancellationToken, ValueTask<string?>>? tokenProvider = null)
    {
        Options = options;
        _tokenProvider = tokenProvider;
        _channel = GrpcChannel.ForAddress(options.Endpoint, new GrpcChannelOptions
        {
            // A request may be up to 10 MB; a response carries at most a schema and row errors.
            MaxSendMessageSize = 10 * 1024 * 1024,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });
        _client = new BigQueryWrite.BigQueryWriteClient(_channel);
    }

    public BigQueryWriteOptions Options { get; }

    /// <summary><c>projects/{project}/datasets/{dataset}/tables/{table}/streams/_default</c>: committed, no offsets, shared by writers.</summary>
    public static string DefaultStream(string tablePath) => $"{tablePath}/streams/{DefaultStreamId}";

    /// <summary>Creates a COMMITTED stream on <paramref name="tablePath"/>: rows are visible once acknowledged, and offsets make appends idempotent.</summary>
    public async Task<WriteStream> CreateCommittedStreamAsync(string tablePath, CancellationToken cancellationToken)
    {
        var request = new CreateWriteStreamRequest { Parent = tablePath, WriteStream = new WriteStream { Type = WriteStream.Types.Type.Committed } };
        var headers = await HeadersAsync("parent", tablePath, cancellationToken).ConfigureAwait(false);
        return await _client.CreateWriteStreamAsync(request, headers, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The stream with its table schema (FULL view), e.g. to learn where it ends after an OUT_OF_RANGE.</summary>
    public async Task<WriteStream> GetWriteStreamAsync(string streamName, CancellationToken cancellationToken)
    {
        var request = new GetWriteStreamRequest { Name = streamName, View = WriteStreamView.Full };
        var headers = await HeadersAsync("name", streamName, cancellationToken).ConfigureAwait(false);
        return await _client.GetWriteStreamAsync(request, headers, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the stream to appends and returns how many rows it holds.</summary>
    public async Task<long> FinalizeAsync(string streamName, CancellationToken cancellationToken)
    {
        var headers = await HeadersAsync("name", streamName, cancellationToken).ConfigureAwait(false);
        var response = await _client.FinalizeWriteStreamAsync(new FinalizeWriteStreamRequest { Name = streamName }, headers, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.RowCount;
    }

    /// <summary>Opens an AppendRows stream to <paramref name="streamName"/> that writes rows of <paramref name="layout"/>.</summary>
    public async Task<BigQueryAppendConnection> OpenAppendAsync(string streamName, BigQueryRowLayout layout, CancellationToken cancellationToken)
    {
        var headers = await HeadersAsync("write_stream", streamName, cancellationToken).ConfigureAwait(false);
        return new BigQueryAppendConnection(_channel.CreateCallInvoker(), headers, streamName, layout.DescriptorBytes, Options.TraceId);
    }

    /// <summary>
    /// Bytes of framed rows one request to <paramref name="streamName"/> may carry (the <c>maxRowBytes</c> of
    /// <see cref="BigQueryBatchEncoder.Encode"/>): <see cref="BigQueryWriteOptions.MaxRequestBytes"/> minus the most the
    /// request's own fields can take.
    /// </summary>
    public int RowBudget(string streamName, BigQueryRowLayout layout) =>
        Options.MaxRequestBytes - AppendRowsFrame.MaxOverhead(streamName, layout.DescriptorBytes.Length, Options.TraceId);

    public void Dispose() => _channel.Dispose();

    /// <summary>
    /// The routing header names the resource the call is about; the value is percent-encoded as Google's own clients
    /// send it, and a token, when there is one, goes along as a bearer authorization header.
    /// </summary>
    private async ValueTask<Metadata> HeadersAsync(string parameter, string value, CancellationToken cancellationToken)
    {
        var headers = new Metadata { { "x-goog-request-params", $"{parameter}={Uri.EscapeDataString(value)}" } };
        if (_tokenProvider is not null && await _tokenProvider(cancellationToken).ConfigureAwait(false) is { Length: > 0 } token)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        return headers;
    }
}
