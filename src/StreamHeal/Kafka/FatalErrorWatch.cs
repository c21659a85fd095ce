using Confluent.Kafka;

namespace StreamHeal.Kafka;

/// <summary>
/// Keeps the first fatal error a client reported through its error handler. After one, librdkafka purges what the
/// client had queued (each send then fails with "Purged in queue") and refuses new sends ("Fatal error"): neither says
/// why, this does. Written on librdkafka's threads, read anywhere.
/// </summary>
public sealed class FatalErrorWatch
{
    private Error? _error;

    /// <summary>The first fatal error seen, or null.</summary>
    public Error? Error => Volatile.Read(ref _error);

    /// <summary>Call from the client's error handler with every error; only a fatal one is kept, and only the first.</summary>
    public void Observe(Error error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.IsFatal)
        {
            Interlocked.CompareExchange(ref _error, error, null);
        }
    }

    /// <summary>The error to report for a failed send: the client's fatal error when it had one, else the send's own.</summary>
    public Error Explain(Error send) => Error ?? send;
}
