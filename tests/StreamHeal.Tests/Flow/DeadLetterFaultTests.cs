using System.Threading.Tasks.Dataflow;
using StreamHeal.Flow;
using Xunit;

namespace StreamHeal.Tests.Flow;

/// <summary>
/// Regression: when the DLQ block failed (a topic that refuses the records), a stage that met its refusal first made the
/// pipeline report "The DLQ block refused ...: it has failed." and not why.
/// </summary>
public sealed class DeadLetterFaultTests
{
    [Fact]
    public async Task A_stage_refused_by_a_failed_dlq_carries_the_dlq_fault_and_that_is_what_is_reported()
    {
        var dlq = new ActionBlock<int>(_ => throw new InvalidOperationException("the DLQ topic refuses these records"));
        dlq.Post(1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => dlq.Completion);
        Assert.False(await dlq.SendAsync(2));

        var refused = await DeadLetterFault.RefusedAsync("The DLQ block refused 2: it has failed.", dlq, CancellationToken.None);

        Assert.Equal("the DLQ topic refuses these records", refused.InnerException?.Message);
        Assert.Same(refused.InnerException, DeadLetterFault.Cause(refused));
    }

    [Fact]
    public async Task A_refusal_without_a_known_fault_and_any_other_fault_are_reported_as_they_are()
    {
        var dlq = new BufferBlock<int>();
        dlq.Complete();
        await dlq.Completion;

        var refused = await DeadLetterFault.RefusedAsync("refused", dlq, CancellationToken.None);
        var other = new TimeoutException("the sink did not answer");

        Assert.Null(refused.InnerException);
        Assert.Same(refused, DeadLetterFault.Cause(refused));
        Assert.Same(other, DeadLetterFault.Cause(other));
    }

    [Fact]
    public void Of_several_dead_letters_that_failed_at_once_one_is_reported()
    {
        var first = new InvalidOperationException("the DLQ topic refuses these records");
        var all = new AggregateException(first, new InvalidOperationException("the DLQ topic refuses these records"));

        Assert.Same(first, DeadLetterFault.Cause(all));
        Assert.Same(first, DeadLetterFault.Cause(new DeadLetterRefusedException("refused", all)));
    }
}
