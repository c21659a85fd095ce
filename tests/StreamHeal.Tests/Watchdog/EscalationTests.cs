using StreamHeal.Watchdog;
using Xunit;

namespace StreamHeal.Tests.Watchdog;

public sealed class EscalationTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Steps_go_consumer_then_restarts_up_to_the_limit_then_give_up_for_good()
    {
        var escalation = new Escalation(maxRestarts: 3, TimeSpan.FromMinutes(15));
        var steps = Enumerable.Range(0, 6).Select(i => escalation.Next(Start.AddMinutes(2 * i))).ToList();

        Assert.Equal(
            [RecoveryAction.RecreateConsumer, RecoveryAction.RestartPipeline, RecoveryAction.RestartPipeline, RecoveryAction.RestartPipeline, RecoveryAction.GiveUp, RecoveryAction.GiveUp],
            steps);
        Assert.True(escalation.GaveUp);
        escalation.Healed();
        Assert.Equal(RecoveryAction.GiveUp, escalation.Next(Start.AddHours(2)));
    }

    [Fact]
    public void Restarts_older_than_the_window_no_longer_count()
    {
        var escalation = new Escalation(maxRestarts: 2, TimeSpan.FromMinutes(15));
        Assert.Equal(RecoveryAction.RecreateConsumer, escalation.Next(Start));
        Assert.Equal(RecoveryAction.RestartPipeline, escalation.Next(Start.AddMinutes(1)));
        Assert.Equal(RecoveryAction.RestartPipeline, escalation.Next(Start.AddMinutes(2)));
        Assert.Equal(2, escalation.RestartsWithin(Start.AddMinutes(3)));

        // The first restart left the window at minute 16: one more is allowed before giving up.
        Assert.Equal(1, escalation.RestartsWithin(Start.AddMinutes(16)));
        Assert.Equal(RecoveryAction.RestartPipeline, escalation.Next(Start.AddMinutes(16)));
        Assert.Equal(RecoveryAction.GiveUp, escalation.Next(Start.AddMinutes(16.5)));
    }

    [Fact]
    public void A_healed_pipeline_starts_again_from_a_new_consumer_with_its_restarts_still_counted()
    {
        var escalation = new Escalation(maxRestarts: 1, TimeSpan.FromMinutes(15));
        Assert.False(escalation.Escalated);
        Assert.Equal(RecoveryAction.RecreateConsumer, escalation.Next(Start));
        Assert.True(escalation.Escalated);
        Assert.Equal(RecoveryAction.RestartPipeline, escalation.Next(Start.AddMinutes(1)));
        escalation.Healed();
        Assert.False(escalation.Escalated);

        Assert.Equal(RecoveryAction.RecreateConsumer, escalation.Next(Start.AddMinutes(5)));
        Assert.Equal(RecoveryAction.GiveUp, escalation.Next(Start.AddMinutes(6)));
    }

    [Fact]
    public void With_no_restarts_allowed_a_second_stall_gives_up()
    {
        var escalation = new Escalation(maxRestarts: 0, TimeSpan.FromMinutes(15));
        Assert.Equal(RecoveryAction.RecreateConsumer, escalation.Next(Start));
        Assert.Equal(RecoveryAction.GiveUp, escalation.Next(Start.AddMinutes(1)));
    }

    [Fact]
    public void Action_labels_are_the_metric_label_values()
    {
        Assert.Equal(["recreate_consumer", "restart_pipeline", "give_up"], Enum.GetValues<RecoveryAction>().Select(static a => a.Label()));
    }
}
