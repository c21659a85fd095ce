using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace StreamHeal.Retry;

/// <summary>
/// Retries a call to a dependency until it succeeds or the caller cancels: a dependency outage never turns into a
/// dead letter or a lost record. The caller keeps its slot while waiting, so the pipeline backs up and the poll loop
/// pauses Kafka. A circuit breaker stops hammering a dependency that is down; its open state is retried like any
/// other failure. Time and jitter are injected so tests are deterministic.
/// </summary>
public sealed class DependencyRetry
{
    private static readonly ResiliencePropertyKey<bool> HasFailed = new("streamheal.has-failed");
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _breaker = new();
    private int _retrying;

    /// <param name="isTransient">Which exceptions mean "the dependency is unavailable"; anything else propagates.</param>
    /// <param name="onRetry">Observes each failed attempt: zero-based attempt, the next delay and the error.</param>
    public DependencyRetry(
        RetryOptions options,
        Func<Exception, bool> isTransient,
        Action<int, TimeSpan, Exception> onRetry,
        TimeProvider timeProvider,
        Func<double> random)
    {
        var handle = new PredicateBuilder().Handle<Exception>(e => e is BrokenCircuitException || (e is not OperationCanceledException && isTransient(e)));
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = handle,
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    Backoff.FullJitter(args.AttemptNumber, options.BaseDelay, options.MaxDelay, random())),
                OnRetry = args =>
                {
                    if (!args.Context.Properties.TryGetValue(HasFailed, out _))
                    {
                        args.Context.Properties.Set(HasFailed, true);
                        Interlocked.Increment(ref _retrying);
                    }

                    onRetry(args.AttemptNumber, args.RetryDelay, args.Outcome.Exception!);
                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException && isTransient(e)),
                FailureRatio = 1.0,
                MinimumThroughput = options.BreakAfterFailures,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = options.BreakDuration,
                StateProvider = _breaker,
            })
            .Build();
    }

    /// <summary>The breaker as a gauge reads it: 0 closed, 1 half-open, 2 open (or isolated).</summary>
    public int CircuitState => _breaker.CircuitState switch
    {
        Polly.CircuitBreaker.CircuitState.Closed => 0,
        Polly.CircuitBreaker.CircuitState.HalfOpen => 1,
        _ => 2,
    };

    /// <summary>
    /// Calls that failed at least once and have not ended yet: waiting out a backoff or in their next attempt. A
    /// dependency with one is still down, however long the backoff between its failures.
    /// </summary>
    public int Retrying => Volatile.Read(ref _retrying);

    public async ValueTask<T> ExecuteAsync<T, TState>(Func<TState, CancellationToken, ValueTask<T>> call, TState state, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            return await _pipeline.ExecuteAsync(static (c, s) => s.call(s.state, c.CancellationToken), context, (call, state));
        }
        finally
        {
            if (context.Properties.TryGetValue(HasFailed, out _))
            {
                Interlocked.Decrement(ref _retrying);
            }

            ResilienceContextPool.Shared.Return(context);
        }
    }
}
