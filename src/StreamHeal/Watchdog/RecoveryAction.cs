namespace StreamHeal.Watchdog;

/// <summary>The escalation steps of the stall watchdog, in order; the names are the <c>action</c> label of <c>streamheal_recoveries_total</c>.</summary>
public enum RecoveryAction
{
    /// <summary>Leave the group with the Kafka consumer and join again with a new one.</summary>
    RecreateConsumer,

    /// <summary>Stop the pipeline and start a new graph that resumes from the committed offsets.</summary>
    RestartPipeline,

    /// <summary>Too many restarts: <c>/health/live</c> answers 503 so the orchestrator restarts the process.</summary>
    GiveUp,
}

public static class RecoveryActions
{
    public static string Label(this RecoveryAction action) => action switch
    {
        RecoveryAction.RecreateConsumer => "recreate_consumer",
        RecoveryAction.RestartPipeline => "restart_pipeline",
        _ => "give_up",
    };
}
