using StreamHeal.Kafka;
using Xunit;

namespace StreamHeal.Tests.Kafka;

public sealed class KafkaConfigBuilderTests
{
    private static KafkaOptions Options(params (string Key, string Value)[] properties)
    {
        var options = new KafkaOptions { BootstrapServers = "127.0.0.1:9092", GroupId = "g", Topics = ["events"] };
        foreach (var (key, value) in properties)
        {
            options.Properties[key] = value;
        }

        return options;
    }

    [Fact]
    public void The_consumer_gets_the_fetch_defaults_the_harness_chose()
    {
        var config = KafkaConfigBuilder.Consumer(Options(), prefetchKBytes: 32_768);

        Assert.Equal("10", config.Get("fetch.queue.backoff.ms"));
        Assert.Equal("100", config.Get("fetch.wait.max.ms"));
        Assert.Equal("10000", config.Get("queued.min.messages"));
        Assert.Equal(32_768, config.QueuedMaxMessagesKbytes);
        Assert.False(config.EnableAutoOffsetStore);
    }

    [Fact]
    public void Kafka_properties_override_the_fetch_defaults()
    {
        var config = KafkaConfigBuilder.Consumer(Options(("fetch.queue.backoff.ms", "1000"), ("fetch.wait.max.ms", "500"), ("queued.min.messages", "100000")), prefetchKBytes: 32_768);

        Assert.Equal("1000", config.Get("fetch.queue.backoff.ms"));
        Assert.Equal("500", config.Get("fetch.wait.max.ms"));
        Assert.Equal("100000", config.Get("queued.min.messages"));
    }
}
