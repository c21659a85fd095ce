using System.Reflection;
using Confluent.Kafka;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// A DLQ producer in front of a topic whose configuration refuses some records, as a real broker answers them: a
/// produce the rule refuses fails with the rule's error and reaches no broker; every other call goes to the real
/// producer. It stands for topic settings the mock cluster does not enforce (timestamp bounds, compaction's key rule).
/// </summary>
public class RefusingDeadLetterProducer : DispatchProxy
{
    private IProducer<byte[]?, byte[]?> _inner = null!;
    private Func<Message<byte[]?, byte[]?>, Error?> _rule = null!;
    private int _refused;
    private int _forwarded;

    /// <summary>Produces the rule refused.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Produces passed on to the real producer.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    public static (IProducer<byte[]?, byte[]?> Producer, RefusingDeadLetterProducer Control) Wrap(
        IProducer<byte[]?, byte[]?> inner, Func<Message<byte[]?, byte[]?>, Error?> rule)
    {
        var producer = Create<IProducer<byte[]?, byte[]?>, RefusingDeadLetterProducer>();
        var control = (RefusingDeadLetterProducer)(object)producer;
        control._inner = inner;
        control._rule = rule;
        return (producer, control);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == nameof(IProducer<byte[]?, byte[]?>.ProduceAsync) && args is [string topic, Message<byte[]?, byte[]?> message, _])
        {
            if (_rule(message) is { } error)
            {
                Interlocked.Increment(ref _refused);
                var result = new DeliveryResult<byte[]?, byte[]?> { Topic = topic, Message = message, Status = PersistenceStatus.NotPersisted };
                return Task.FromException<DeliveryResult<byte[]?, byte[]?>>(new ProduceException<byte[]?, byte[]?>(error, result));
            }

            Interlocked.Increment(ref _forwarded);
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
}
