namespace StreamHeal.Kafka;

/// <summary>
/// Counts the calls inside a Kafka client so it is destroyed only when none is: librdkafka does not check for a destroyed
/// handle, so a produce or consume that reaches it after the destroy uses freed memory and brings the process down.
/// </summary>
internal sealed class ClientCalls
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inside;
    private bool _closing;

    /// <summary>Starts a call; dispose the scope when it has left the client.</summary>
    /// <exception cref="ObjectDisposedException">The client is being closed.</exception>
    public Scope Enter(string client)
    {
        lock (_gate)
        {
            if (_closing)
            {
                throw new ObjectDisposedException(client, $"The {client} is closed: the sink is shutting down.");
            }

            _inside++;
        }

        return new Scope(this);
    }

    /// <summary>
    /// Refuses new calls and waits at most <paramref name="timeout"/> for those inside to leave; true when none is left.
    /// Called again after a false, it waits again.
    /// </summary>
    public async Task<bool> CloseAsync(TimeSpan timeout, TimeProvider timeProvider)
    {
        lock (_gate)
        {
            _closing = true;
            if (_inside == 0)
            {
                _idle.TrySetResult();
            }
        }

        try
        {
            await _idle.Task.WaitAsync(timeout, timeProvider).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void Leave()
    {
        lock (_gate)
        {
            if (--_inside == 0 && _closing)
            {
                _idle.TrySetResult();
            }
        }
    }

    public readonly struct Scope(ClientCalls calls) : IDisposable
    {
        public void Dispose() => calls.Leave();
    }
}
