using System.Threading.Channels;
using Grpc.Core;
using StreamHeal.Dev.BigQuery.Protos;

namespace StreamHeal.Dev.BigQuery;

/// <summary>Sends one append's answer (and logs its end) once it is ready.</summary>
internal delegate Task AppendAnswer(AppendRowsResponse response, FakeAppend append, StatusCode status, int? updatedSchemaVersion, CancellationToken cancellationToken);

/// <summary>
/// The answers of one AppendRows connection, each held for <see cref="FakeBigQueryOptions.NetworkDelay"/> from when its
/// request was handled and then sent, in order, by a task of their own while the connection goes on reading requests.
/// </summary>
internal sealed class DelayedAnswers : IAsyncDisposable
{
    private readonly Channel<Answer> _queue = Channel.CreateUnbounded<Answer>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly IServerStreamWriter<AppendRowsResponse> _responses;
    private readonly FakeAppendLog _appends;
    private readonly TimeSpan _delay;
    private readonly TimeProvider _time;
    private readonly CancellationToken _cancellationToken;
    private readonly Task _sender;

    public DelayedAnswers(IServerStreamWriter<AppendRowsResponse> responses, FakeAppendLog appends, TimeSpan delay, TimeProvider time, CancellationToken cancellationToken)
    {
        _responses = responses;
        _appends = appends;
        _delay = delay;
        _time = time;
        _cancellationToken = cancellationToken;
        _sender = SendAllAsync();
    }

    /// <summary>Queues the answer; fails when an earlier one could not be sent (the connection is gone).</summary>
    public async Task SendAsync(AppendRowsResponse response, FakeAppend append, StatusCode status, int? updatedSchemaVersion, CancellationToken cancellationToken)
    {
        if (_sender.IsCompleted)
        {
            await _sender;
        }

        _queue.Writer.TryWrite(new Answer(response, append, status, updatedSchemaVersion, _time.GetTimestamp()));
    }

    /// <summary>Sends what is queued before the call ends, as a server does after the client half-closes.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _sender;
        }
        catch (Exception) when (_cancellationToken.IsCancellationRequested)
        {
            // The connection was broken or cancelled: its unsent answers are lost with it, as on a real network.
        }
    }

    private async Task SendAllAsync()
    {
        await Task.Yield();
        try
        {
            await foreach (var answer in _queue.Reader.ReadAllAsync(_cancellationToken))
            {
                var wait = _delay - _time.GetElapsedTime(answer.HandledAt);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, _cancellationToken);
                }

                await _responses.WriteAsync(answer.Response, _cancellationToken);
                _appends.End(answer.Append, answer.Status, answer.UpdatedSchemaVersion);
            }
        }
        catch
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var unsent))
            {
                _appends.End(unsent.Append, StatusCode.Cancelled);
            }

            throw;
        }
    }

    private readonly record struct Answer(AppendRowsResponse Response, FakeAppend Append, StatusCode Status, int? UpdatedSchemaVersion, long HandledAt);
}
