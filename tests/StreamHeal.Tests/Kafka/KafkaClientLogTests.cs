using StreamHeal.TestSupport;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;
using Xunit;

namespace StreamHeal.Tests.Kafka;

public sealed class KafkaClientLogTests
{
    [Fact]
    public void A_line_carrying_a_sasl_password_is_logged_without_it()
    {
        var logger = new CapturingLogger();

        KafkaClientLog.Log(logger, "dlq-producer", new LogMessage("rdkafka#producer-1", SyslogLevel.Warning, "CONFWARN", "Configuration: sasl.mechanisms=PLAIN, sasl.password=hunter2, sasl.username=svc"));

        var entry = Assert.Single(logger.Entries);
        Assert.DoesNotContain("hunter2", entry.Message, StringComparison.Ordinal);
        Assert.Equal("librdkafka dlq-producer CONFWARN: Configuration: sasl.mechanisms=PLAIN, sasl.password=[redacted], sasl.username=svc", entry.Message);
        Assert.Equal((LogLevel.Warning, 1650), (entry.Level, entry.Id.Id));
    }

    [Theory]
    [InlineData("ssl.key.password = s3cr3t-value", "ssl.key.password = [redacted]")]
    [InlineData("ssl.keystore.password: s3cr3t-value; next", "ssl.keystore.password: [redacted]; next")]
    [InlineData("sasl.oauthbearer.client.secret=\"s3cr3t value\" rest", "sasl.oauthbearer.client.secret=[redacted] rest")]
    [InlineData("sasl.oauthbearer.config=principal=admin s3cr3t-value", "sasl.oauthbearer.config=[redacted] s3cr3t-value")]
    [InlineData("ssl.key.pem=-----BEGIN PRIVATE KEY----- MIIEs3cr3t-value -----END PRIVATE KEY----- ok", "ssl.key.pem=[redacted] ok")]
    [InlineData("key: -----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIEs3cr3t-value", "key: [redacted]")]
    [InlineData("SASL.PASSWORD=s3cr3t-value", "SASL.PASSWORD=[redacted]")]
    public void Secret_settings_and_private_keys_are_redacted(string line, string expected)
    {
        Assert.Equal(expected, KafkaClientLog.Redact(line));
    }

    [Fact]
    public void A_line_without_secrets_is_left_as_it_is()
    {
        const string line = "127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: Connection refused (after 0ms in state CONNECT)";

        Assert.Equal(line, KafkaClientLog.Redact(line));
    }

    [Theory]
    [InlineData(SyslogLevel.Emergency, LogLevel.Critical)]
    [InlineData(SyslogLevel.Alert, LogLevel.Critical)]
    [InlineData(SyslogLevel.Critical, LogLevel.Critical)]
    [InlineData(SyslogLevel.Error, LogLevel.Error)]
    [InlineData(SyslogLevel.Warning, LogLevel.Warning)]
    [InlineData(SyslogLevel.Notice, LogLevel.Information)]
    [InlineData(SyslogLevel.Info, LogLevel.Information)]
    [InlineData(SyslogLevel.Debug, LogLevel.Debug)]
    public void Syslog_levels_map_to_log_levels(SyslogLevel syslog, LogLevel expected)
    {
        var logger = new CapturingLogger();

        KafkaClientLog.Log(logger, "consumer", new LogMessage("rdkafka#consumer-1", syslog, "FAC", "text"));

        Assert.Equal(expected, Assert.Single(logger.Entries).Level);
    }

    [Fact]
    public void Errors_are_logged_with_code_and_role_redacted_and_fatal_ones_at_error_level()
    {
        var logger = new CapturingLogger();

        KafkaClientLog.Error(logger, "checkpoint-producer", new Error(ErrorCode.Local_AllBrokersDown, "1/1 brokers are down"));
        KafkaClientLog.Error(logger, "checkpoint-producer", new Error(ErrorCode.Local_Fatal, "auth failed with sasl.password=hunter2", isFatal: true));

        Assert.Collection(
            logger.Entries,
            e => Assert.Equal((LogLevel.Warning, 1651, "Kafka checkpoint-producer error Local_AllBrokersDown: 1/1 brokers are down"), (e.Level, e.Id.Id, e.Message)),
            e => Assert.Equal((LogLevel.Error, 1651, "Kafka checkpoint-producer error Local_Fatal (fatal): auth failed with sasl.password=[redacted]"), (e.Level, e.Id.Id, e.Message)));
    }
}
