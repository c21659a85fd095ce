using System.Globalization;
using System.Text;
using Confluent.Kafka;
using StreamHeal.DeadLetter;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Support;
using Xunit;

namespace StreamHeal.IntegrationTests.Operations;

/// <summary>A DLQ topic filled with dead letters shaped like the DLQ stage writes them, and kcat to read topics back.</summary>
internal static class DeadLetterTopic
{
    public sealed record Letter(int Partition, long Offset, string ErrorType, string Stage = "decode", string Value = "{bad", string? Topic = null, int ReplayCount = 0, int? DlqPartition = null);

    public static async Task ProduceAsync(string bootstrapServers, string dlqTopic, string originalTopic, IEnumerable<Letter> letters, bool withProbe = true)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaTestSettings.Producer(bootstrapServers)).Build();
        if (withProbe)
        {
            await producer.ProduceAsync(dlqTopic, new Message<byte[]?, byte[]?> { Value = [], Headers = new Headers { { DeadLetterHeaders.Probe, "1"u8.ToArray() } } });
        }

        foreach (var letter in letters)
        {
            var headers = new Headers
            {
                { "trace", Encoding.UTF8.GetBytes($"t-{letter.Partition}-{letter.Offset}") },
                { DeadLetterHeaders.ErrorType, Encoding.UTF8.GetBytes(letter.ErrorType) },
                { DeadLetterHeaders.ErrorMessage, "it broke"u8.ToArray() },
                { DeadLetterHeaders.ErrorStage, Encoding.UTF8.GetBytes(letter.Stage) },
                { DeadLetterHeaders.OriginalTopic, Encoding.UTF8.GetBytes(letter.Topic ?? originalTopic) },
                { DeadLetterHeaders.OriginalPartition, Encoding.UTF8.GetBytes(letter.Partition.ToString(CultureInfo.InvariantCulture)) },
                { DeadLetterHeaders.OriginalOffset, Encoding.UTF8.GetBytes(letter.Offset.ToString(CultureInfo.InvariantCulture)) },
                { DeadLetterHeaders.OriginalTimestamp, "1700000000000"u8.ToArray() },
                { DeadLetterHeaders.FailedAt, Encoding.UTF8.GetBytes(DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)) },
            };
            if (letter.ReplayCount > 0)
            {
                headers.Add(DeadLetterHeaders.ReplayCount, Encoding.UTF8.GetBytes(letter.ReplayCount.ToString(CultureInfo.InvariantCulture)));
            }

            var message = new Message<byte[]?, byte[]?>
            {
                Key = Encoding.UTF8.GetBytes($"k{letter.Offset}"),
                Value = Encoding.UTF8.GetBytes(letter.Value),
                Headers = headers,
            };
            await (letter.DlqPartition is { } partition
                ? producer.ProduceAsync(new TopicPartition(dlqTopic, partition), message)
                : producer.ProduceAsync(dlqTopic, message));
        }
    }

    /// <summary>Every record of <paramref name="topic"/> as kcat sees it: its headers, then the value.</summary>
    public static async Task<List<(Dictionary<string, string> Headers, string Value)>> ReadWithKcatAsync(string bootstrapServers, string topic)
    {
        var kcat = ExternalTools.RequireKcat();
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(
            kcat, ["-b", bootstrapServers, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%h\t%s\n"], "", TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, $"kcat failed: {stderr}");
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static line =>
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var headers = line[..tab].Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(static h => h.Split('=', 2)).ToDictionary(static h => h[0], static h => h.Length > 1 ? h[1] : "");
            return (headers, line[(tab + 1)..]);
        })];
    }
}
