using System.Reflection;
using Confluent.Kafka;
using StreamHeal.TestSupport;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// A DLQ producer whose sends, once <see cref="Hang"/> is set, ignore cancellation and wait for <see cref="Release"/>,
/// as a client stuck on an unresponsive broker would; it records whether anyone disposed it in the meantime.
/// </summary>
/// <remarks>
/// The stage that was left sending through it keeps running after the test, so the test closes the real producer with
/// <see cref="CloseAsync"/> and never with <c>Inner.Dispose()</c>: librdkafka's produce call does not check for a
/// destroyed handle, and a send that reached it after the destroy wrote into freed memory and crashed the test host later.
/// </remarks>
public class HangingDeadLetterProducer : DispatchProxy
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private IProducer<byte[]?, byte[]?> _inner = null!;
    private int _hanging;
    private int _forwarding;
    private bool _closed;
    private volatile bool _hang;
    private volatile bool _disposed;

    /// <summary>Sends waiting for <see cref="Release"/>.</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    /// <summary>Whether the pipeline disposed the producer.</summary>
    public bool Disposed => _disposed;

    /// <summary>Calls refused because they came after <see cref="CloseAsync"/>.</summary>
    public int RefusedAfterClose { get; private set; }

    public static (IProducer<byte[]?, byte[]?> Producer, HangingDeadLetterProducer Control) Wrap(IProducer<byte[]?, byte[]?> inner)
    {
        var producer = Create<IProducer<byte[]?, byte[]?>, HangingDeadLetterProducer>();
        var control = (HangingDeadLetterProducer)(object)producer;
        control._inner = inner;
        return (producer, control);
    }

    public void Hang() => _hang = true;

    /// <summary>Lets the waiting sends go through to the real producer.</summary>
    public void Release() => _released.TrySetResult();

    /// <summary>
    /// Refuses every later call as a disposed producer would, the waiting sends included (they are released and refused),
    /// and once no call is inside the real producer, flushes and disposes it.
    /// </summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        lock (_gate)
        {
            _closed = true;
        }

        Release();

        await Eventually.Until(() => Volatile.Read(ref _forwarding) == 0, timeout, "no call inside the real DLQ producer");
        _inner.Flush(timeout);
        _inner.Dispose();
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == nameof(IDisposable.Dispose))
        {
            _disposed = true;
        }

        if (_hang && targetMethod.Name == nameof(IProducer<byte[]?, byte[]?>.ProduceAsync) && args is [string topic, Message<byte[]?, byte[]?> message, _])
        {
            Interlocked.Increment(ref _hanging);
            return SendAfterReleaseAsync(topic, message);
        }

        Enter();
        var leaveWhenDone = false;
        try
        {
            var result = targetMethod.Invoke(_inner, args);
            if (result is Task task)
            {
                leaveWhenDone = true;
                task.ContinueWith(_ => Leave(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return result;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
        finally
        {
            if (!leaveWhenDone)
            {
                Leave();
            }
        }
    }

    private async Task<DeliveryResult<byte[]?, byte[]?>> SendAfterReleaseAsync(string topic, Message<byte[]?, byte[]?> message)
    {
        await _released.Task;
        Enter();
        try
        {
            return await _inner.ProduceAsync(topic, message, CancellationToken.None);
        }
        finally
        {
            Leave();
        }
    }

    private void Enter()
    {
        lock (_gate)
        {
            if (_closed)
            {
                RefusedAfterClose++;
                throw new ObjectDisposedException(nameof(HangingDeadLetterProducer), "the test closed the DLQ producer");
            }

            Interlocked.Increment(ref _forwarding);
        }
    }

    private void Leave() => Interlocked.Decrement(ref _forwarding);
}
