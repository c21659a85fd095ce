using StreamHeal.TestSupport;
using System.Runtime.CompilerServices;
using Confluent.Kafka;
using StreamHeal.Dev.Kafka;
using StreamHeal.Pipeline;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Reliability;

/// <summary>
/// Broker answers of one error class to every request of one API, for <see cref="FaultExperiment.FaultWindow"/>, while
/// the second half of the corpus arrives. The mock queues errors per API key on every broker, not per topic or
/// partition, so every client of the cluster meets them, the test's own producer included.
/// </summary>
internal static class RequestErrorFault
{
    // More than the requests of one window, so the error lasts until it is cleared rather than until it runs out.
    private const int Errors = 1_000;

    public static async Task RunAsync(
        ReliabilityFixture fixture,
        ITestOutputHelper output,
        string family,
        KafkaApiKey api,
        ErrorCode error,
        Action<PipelineSettings>? configure = null,
        bool beforeStart = false,
        (KafkaApiKey Api, ErrorCode Error)? trigger = null,
        bool expectDegraded = false,
        [CallerMemberName] string test = "")
    {
        var sawDegraded = false;
        await using var experiment = await FaultExperiment.CreateAsync(fixture, output, $"{api}-{error}".ToLowerInvariant(), configure, start: !beforeStart);
        experiment.Cluster.PushRequestErrors(api, Enumerable.Repeat(error, Errors).ToArray());
        try
        {
            if (trigger is { } t)
            {
                experiment.Cluster.PushRequestErrors(t.Api, t.Error);
            }

            if (beforeStart)
            {
                await experiment.StartAsync(waitForRows: false);
            }

            experiment.ProduceSecondHalf();
            var hold = FaultExperiment.HoldAsync(FaultExperiment.FaultWindow);
            if (expectDegraded)
            {
                sawDegraded = await Eventually.TryUntil(() => experiment.Pipeline.Status.Degraded, FaultExperiment.FaultWindow) is not null;
            }

            await hold;
        }
        finally
        {
            experiment.Cluster.ClearRequestErrors(api);
            if (trigger is { } t)
            {
                experiment.Cluster.ClearRequestErrors(t.Api);
            }
        }

        await experiment.FaultClearedAsync();
        if (expectDegraded)
        {
            // The condition shows while it lasts, and clears once records flow again: health tells the truth both ways.
            Xunit.Assert.True(sawDegraded, $"{error} on {api} never showed as DEGRADED while it lasted");
            await Eventually.Until(() => !experiment.Pipeline.Status.Degraded, TimeSpan.FromSeconds(30), "DEGRADED to clear after the fault");
        }

        var injection = $"every {api} request (ApiKey {(short)api}) answered {error} for {FaultExperiment.FaultWindow.TotalSeconds:0} s"
            + (beforeStart ? ", from before the pipeline started" : "")
            + (trigger is { } tr ? $"; one {tr.Error} on {tr.Api} made the member rejoin into it" : "");
        await experiment.FinishAsync(family, error.ToString(), injection, test: test);
    }
}
