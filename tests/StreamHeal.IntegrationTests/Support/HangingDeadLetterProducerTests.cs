using System.Reflection;
using Confluent.Kafka;
using StreamHeal.TestSupport;
using Xunit;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// The test producer that hangs DLQ sends closes its real producer only when no call is inside it. The stop-bound test
/// used to dispose the real producer while a released send was still on its way to it; librdkafka then produced into
/// a destroyed handle and the test host crashed later, in another test.
/// </summary>
public sealed class HangingDeadLetterProducerTests
{
    [Fact]
    public async Task Closing_waits_for_the_call_inside_the_real_producer_and_refuses_the_sends_released_after_it()
    {
        var inner = RecordingProducer.Create();
        var (producer, control) = HangingDeadLetterProducer.Wrap(inner);

        // One send is inside the real producer (its broker has not answered), one hangs in the wrapper.
        var inside = producer.ProduceAsync("events.dlq", Message(), CancellationToken.None);
        control.Hang();
        var hanging = producer.ProduceAsync("events.dlq", Message(), CancellationToken.None);
        Assert.Equal(1, control.Hanging);

        var closing = control.CloseAsync(TimeSpan.FromSeconds(30));
        await Eventually.Until(() => hanging.IsCompleted, TimeSpan.FromSeconds(30), "the released send answered");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => hanging);
        Assert.False(closing.IsCompleted, "closed while a call was inside the real producer");
        Assert.False(Recorder(inner).Disposed);

        Recorder(inner).Answer();
        await closing;
        await inside;

        Assert.True(Recorder(inner).Disposed);
        Assert.Equal(1, Recorder(inner).Produced);
        Assert.Empty(Recorder(inner).Violations);
        Assert.Throws<ObjectDisposedException>(() => producer.Flush(TimeSpan.Zero));
        Assert.Equal(2, control.RefusedAfterClose);
    }

    private static RecordingProducer Recorder(IProducer<byte[]?, byte[]?> inner) => (RecordingProducer)(object)inner;

    private static Message<byte[]?, byte[]?> Message() => new() { Value = [1, 2, 3] };

    /// <summary>A producer whose sends wait for <see cref="Answer"/>; it records calls that reach it after its disposal.</summary>
    public class RecordingProducer : DispatchProxy
    {
        private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inside;

        public bool Disposed { get; private set; }

        public int Produced { get; private set; }

        public List<string> Violations { get; } = [];

        public static IProducer<byte[]?, byte[]?> Create() => Create<IProducer<byte[]?, byte[]?>, RecordingProducer>();

        public void Answer() => _answered.TrySetResult();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (Disposed)
            {
                Violations.Add($"{targetMethod.Name} after Dispose");
            }

            switch (targetMethod.Name)
            {
                case nameof(IProducer<byte[]?, byte[]?>.ProduceAsync):
                    Produced++;
                    return SendAsync();
                case nameof(IProducer<byte[]?, byte[]?>.Flush):
                    return 0;
                case nameof(IDisposable.Dispose):
                    if (Volatile.Read(ref _inside) > 0)
                    {
                        Violations.Add("Dispose with a send inside");
                    }

                    Disposed = true;
                    return null;
                default:
                    throw new NotSupportedException(targetMethod.Name);
            }
        }

        private async Task<DeliveryResult<byte[]?, byte[]?>> SendAsync()
        {
            Interlocked.Increment(ref _inside);
            try
            {
                await _answered.Task;
                return new DeliveryResult<byte[]?, byte[]?>();
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }
    }
}
