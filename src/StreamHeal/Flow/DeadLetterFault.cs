using System.Threading.Tasks.Dataflow;

namespace StreamHeal.Flow;

/// <summary>
/// Why the DLQ block declined a record. It declines only once it has failed, and its fault (an ACL, a topic that
/// refuses the records) is what the operator must read: a stage that meets the refusal afterwards fails with that
/// fault inside, so the pipeline reports the cause and not the refusal, whichever stage it hears from first.
/// </summary>
internal static class DeadLetterFault
{
    // The block completes once its other sends have ended; those that fail as this one did end at once.
    private static readonly TimeSpan CauseWait = TimeSpan.FromSeconds(1);

    /// <summary>The fault a stage fails with when the DLQ block declined <paramref name="what"/>.</summary>
    public static async Task<DeadLetterRefusedException> RefusedAsync(string what, IDataflowBlock deadLetters, CancellationToken cancellationToken)
    {
        await Task.WhenAny(deadLetters.Completion, Task.Delay(CauseWait, cancellationToken)).ConfigureAwait(false);
        var cause = deadLetters.Completion.IsFaulted ? deadLetters.Completion.Exception!.GetBaseException() : null;
        return new DeadLetterRefusedException(what, cause);
    }

    /// <summary>
    /// The exception to report for a block's fault: the DLQ's own when the block only met its refusal, and one of
    /// several that failed at once (dead letters sent in parallel fail alike), so the service stops with one reason.
    /// </summary>
    public static Exception Cause(Exception fault)
    {
        if (fault is AggregateException { InnerExceptions.Count: > 0 } all)
        {
            fault = all.Flatten().InnerExceptions[0];
        }

        return fault is DeadLetterRefusedException { InnerException: { } cause } ? Cause(cause) : fault;
    }
}

/// <summary>A stage met the DLQ block's refusal; the inner exception is the DLQ's own fault, when it was known.</summary>
internal sealed class DeadLetterRefusedException(string message, Exception? cause) : InvalidOperationException(message, cause);
