using Confluent.Kafka;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.DeadLetter;
using Xunit;

namespace StreamHeal.Tests.DeadLetter;

public sealed class DeadLetterProbeTests
{
    [Fact]
    public async Task A_probe_nobody_acknowledges_says_what_start_up_waits_for_then_fails_naming_the_topic()
    {
        // Nothing listens on port 1: the probe can only wait.
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = "127.0.0.1:1", MessageTimeoutMs = 120_000 })
            .SetLogHandler(static (_, _) => { })
            .Build();
        var logger = new FakeLogger();
        var time = new FakeTimeProvider();
        var check = DeadLetterProbe.CheckAsync(producer, ["events.dlq"], TimeSpan.FromSeconds(20), CancellationToken.None, logger, time);

        // The probe's warning timer exists once CheckAsync has returned its task; nothing is said before it fires.
        Assert.Equal(0, logger.Collector.Count);
        time.Advance(DeadLetterProbe.WarnAfter);
        await TestSupport.Eventually.Until(() => logger.Collector.Count > 0, "the pending-probe warning");

        Assert.Contains("events.dlq", logger.LatestRecord.Message, StringComparison.Ordinal);
        Assert.Contains("dlq.startupCheckTimeout", logger.LatestRecord.Message, StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<DeadLetterUnavailableException>(() => check.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("events.dlq", error.Topic);
    }
}
