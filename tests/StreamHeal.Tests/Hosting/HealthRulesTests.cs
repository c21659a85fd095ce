using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Hosting;
using StreamHeal.Pipeline;
using Xunit;

namespace StreamHeal.Tests.Hosting;

public sealed class HealthRulesTests
{
    /// <summary>A replica that has started, reconciled its sink and owns two partitions.</summary>
    private static readonly PipelineStatus Serving = new(
        Polled: 10, Sunk: 10, DeadLettered: 0, Tombstones: 0, InFlightRecords: 0, InFlightBytes: 0, Lag: 0,
        AssignedPartitions: 2, Paused: false, SinkRetries: 0, DeadLetterRetries: 0, OffsetResets: 0, Running: true, Failure: null)
    {
        PollLoop = PollLoopState.Running,
        SinkReconciled = true,
    };

    private static readonly PipelineStatus Starting = Serving with
    {
        AssignedPartitions = 0,
        Running = false,
        PollLoop = PollLoopState.NotStarted,
        SinkReconciled = false,
    };

    [Fact]
    public void A_replica_the_stall_watchdog_gave_up_on_is_not_live_even_while_it_polls()
    {
        var gaveUp = Serving with { GaveUp = "partitions events[0] still stalled after 3 in-process restart(s)", Restarts = 3 };
        Assert.Equal("the stall watchdog gave up: partitions events[0] still stalled after 3 in-process restart(s)", HealthRules.WhyNotLive(gaveUp));
        Assert.Null(HealthRules.WhyNotLive(Serving with { Restarts = 3 }));
    }

    [Fact]
    public void A_serving_replica_is_live_and_ready()
    {
        Assert.Null(HealthRules.WhyNotLive(Serving));
        Assert.Null(HealthRules.WhyNotReady(Serving));
    }

    [Fact]
    public void While_starting_it_is_live_but_not_ready_until_the_sink_is_reconciled_the_poll_loop_runs_and_partitions_are_assigned()
    {
        Assert.Null(HealthRules.WhyNotLive(Starting));
        Assert.Equal("the sink's tables are not reconciled yet", HealthRules.WhyNotReady(Starting));
        Assert.Equal("the poll loop has not started", HealthRules.WhyNotReady(Starting with { SinkReconciled = true }));
        Assert.Equal("no partitions assigned", HealthRules.WhyNotReady(Serving with { AssignedPartitions = 0 }));
    }

    [Fact]
    public void A_failed_pipeline_is_not_ready_and_a_poll_loop_that_ended_unasked_is_not_live()
    {
        var failed = Serving with { Failure = "the DLQ topic refuses writes" };
        Assert.Equal("the pipeline failed: the DLQ topic refuses writes", HealthRules.WhyNotReady(failed));
        Assert.Null(HealthRules.WhyNotLive(failed));

        var ended = failed with { PollLoop = PollLoopState.Ended, Running = false };
        Assert.NotNull(HealthRules.WhyNotReady(ended));
        Assert.Equal("the poll loop has ended while the service should run: the DLQ topic refuses writes", HealthRules.WhyNotLive(ended));
        Assert.Equal("the poll loop has ended", HealthRules.WhyNotReady(Serving with { PollLoop = PollLoopState.Ended }));
    }

    [Fact]
    public void A_stopping_replica_stays_live_while_it_drains_but_is_not_ready()
    {
        var draining = Serving with { Stopping = true };
        Assert.Null(HealthRules.WhyNotLive(draining));
        Assert.Equal("stopping", HealthRules.WhyNotReady(draining));
        Assert.Null(HealthRules.WhyNotLive(draining with { PollLoop = PollLoopState.Ended }));
    }

    [Fact]
    public void A_serving_replica_whose_dependencies_are_failing_stays_live_and_ready()
    {
        var degraded = Serving with { Degraded = true, Paused = true, SinkRetries = 40, DeadLetterRetries = 7, InFlightRecords = 5_000 };
        Assert.Null(HealthRules.WhyNotLive(degraded));
        Assert.Null(HealthRules.WhyNotReady(degraded));
    }

    [Property(MaxTest = 300)]
    public Property Liveness_depends_only_on_the_poll_loop_and_stopping() =>
        Prop.ForAll(Statuses(), Statuses(), (a, b) =>
        {
            var sameLoop = b with { PollLoop = a.PollLoop, Stopping = a.Stopping };
            return (HealthRules.WhyNotLive(a) is null) == (HealthRules.WhyNotLive(sameLoop) is null);
        });

    [Property(MaxTest = 300)]
    public Property Ready_implies_live() =>
        Prop.ForAll(Statuses(), s => HealthRules.WhyNotReady(s) is not null || HealthRules.WhyNotLive(s) is null);

    private static Arbitrary<PipelineStatus> Statuses() =>
        Gen.Elements(PollLoopState.NotStarted, PollLoopState.Running, PollLoopState.Ended)
            .SelectMany(loop => Gen.Elements(false, true).ArrayOf(5).Select(flags => (loop, flags)))
            .SelectMany(t => Gen.Choose(0, 3).Select(partitions => Serving with
            {
                PollLoop = t.loop,
                SinkReconciled = t.flags[0],
                Stopping = t.flags[1],
                Degraded = t.flags[2],
                Paused = t.flags[3],
                Failure = t.flags[4] ? "failed" : null,
                AssignedPartitions = partitions,
            }))
            .ToArbitrary();
}
