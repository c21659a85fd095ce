using System.Reflection;
using Confluent.Kafka;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// A DLQ producer whose sends, once <see cref="Hang"/> is set, ignore cancellation and wait for <see cref="Release"/>,
/// as a client stuck on an unresponsive broker would; it records whether anyone disposed it in the meantime.
/// </summary>
public class HangingDeadLetterProducer : DispatchProxy
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IProducer<byte[]?, byte[]?> _inner = null!;
    private int _hanging;
    private volatile bool _hang;
    private volatile bool _disposed;

    /// <summary>Sends waiting for <see cref="Release"/>.</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    /// <summary>Whether the pipeline disposed the producer.</summary>
    public bool Disposed => _disposed;

    public IProducer<byte[]?, byte[]?> Inner => _inner;

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

        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    private async Task<DeliveryResult<byte[]?, byte[]?>> SendAfterReleaseAsync(string topic, Message<byte[]?, byte[]?> message)
    {
        await _released.Task;
        return await _inner.ProduceAsync(topic, message, CancellationToken.None);
    }
}
