using System.ComponentModel.DataAnnotations;
using StreamHeal.Kafka;
using Xunit;

namespace StreamHeal.Tests.Kafka;

public sealed class KafkaOptionsTests
{
    private static List<ValidationResult> Validate(KafkaOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Fatal_after_defaults_to_five_minutes_and_is_valid()
    {
        var options = new KafkaOptions { BootstrapServers = "b:9092", Topics = ["events"] };
        Assert.Equal(TimeSpan.FromMinutes(5), options.FatalAfter);
        Assert.Empty(Validate(options));
    }

    [Fact]
    public void A_fatal_after_shorter_than_ten_seconds_is_refused_naming_the_setting()
    {
        var options = new KafkaOptions { BootstrapServers = "b:9092", Topics = ["events"], FatalAfter = TimeSpan.FromSeconds(2) };
        var result = Assert.Single(Validate(options));
        Assert.Contains("kafka.fatalAfter", result.ErrorMessage, StringComparison.Ordinal);
    }
}
