using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.DeadLetter;
using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.DeadLetter;

public sealed class DeadLetterMessageBuilderTests
{
    private static IngestRecord Record(byte[] value)
    {
        var record = new IngestRecord
        {
            Topic = "events",
            Partition = 3,
            Offset = 42,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000),
            Key = Encoding.UTF8.GetBytes("k"),
            Value = value,
            Headers = new Headers { { "trace", Encoding.UTF8.GetBytes("abc") } },
            AssignmentGeneration = 1,
        };
        record.Fail(new DeadLetterReason("invalid_json", "bad at byte 3", "decode"));
        return record;
    }

    private static string Header(Message<byte[]?, byte[]?> message, string key) =>
        Encoding.UTF8.GetString(message.Headers.GetLastBytes(key));

    [Fact]
    public void Keeps_the_original_and_adds_every_context_header()
    {
        var builder = new DeadLetterMessageBuilder("group-1", new FakeTimeProvider(DateTimeOffset.Parse("2026-01-02T03:04:05Z", System.Globalization.CultureInfo.InvariantCulture)));
        var message = builder.Build(Record(Encoding.UTF8.GetBytes("{bad")), 1_000_000);

        Assert.Equal("{bad", Encoding.UTF8.GetString(message.Value!));
        Assert.Equal("k", Encoding.UTF8.GetString(message.Key!));
        Assert.Equal("abc", Header(message, "trace"));
        Assert.Equal("invalid_json", Header(message, DeadLetterHeaders.ErrorType));
        Assert.Equal("bad at byte 3", Header(message, DeadLetterHeaders.ErrorMessage));
        Assert.Equal("decode", Header(message, DeadLetterHeaders.ErrorStage));
        Assert.Equal("events", Header(message, DeadLetterHeaders.OriginalTopic));
        Assert.Equal("3", Header(message, DeadLetterHeaders.OriginalPartition));
        Assert.Equal("42", Header(message, DeadLetterHeaders.OriginalOffset));
        Assert.Equal("1700000000000", Header(message, DeadLetterHeaders.OriginalTimestamp));
        Assert.Equal("1", Header(message, DeadLetterHeaders.Attempts));
        Assert.Equal("group-1", Header(message, DeadLetterHeaders.ConsumerGroup));
        Assert.StartsWith("2026-01-02T03:04:05", Header(message, DeadLetterHeaders.FailedAt), StringComparison.Ordinal);
        Assert.Null(message.Headers.FirstOrDefault(h => h.Key == DeadLetterHeaders.ValueTruncated));
    }

    [Fact]
    public void Truncates_a_value_too_large_for_the_dlq_and_records_its_size_and_hash()
    {
        var value = new byte[200_000];
        Random.Shared.NextBytes(value);
        var builder = new DeadLetterMessageBuilder("g", TimeProvider.System);

        var message = builder.Build(Record(value), 50_000);

        Assert.True(message.Value!.Length < 50_000);
        Assert.Equal(value.AsSpan(0, message.Value.Length).ToArray(), message.Value);
        Assert.Equal("200000", Header(message, DeadLetterHeaders.ValueTruncated));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(value)), Header(message, DeadLetterHeaders.ValueSha256));
    }

    [Fact]
    public void A_replayed_record_that_fails_again_carries_its_replay_count_and_no_stale_context()
    {
        var record = Record(Encoding.UTF8.GetBytes("{bad"));
        record.Headers!.Add(DeadLetterHeaders.ReplayCount, Encoding.UTF8.GetBytes("2"));
        record.Headers.Add(DeadLetterHeaders.ReplayOf, Encoding.UTF8.GetBytes("events.dlq/0/7"));
        record.Headers.Add(DeadLetterHeaders.ErrorType, Encoding.UTF8.GetBytes("stale"));
        var message = new DeadLetterMessageBuilder("group-1", new FakeTimeProvider()).Build(record, 1_000_000);

        Assert.Equal("2", Header(message, DeadLetterHeaders.ReplayCount));
        Assert.Equal("events.dlq/0/7", Header(message, DeadLetterHeaders.ReplayOf));
        Assert.Single(message.Headers, h => h.Key == DeadLetterHeaders.ErrorType);
        Assert.Equal("invalid_json", Header(message, DeadLetterHeaders.ErrorType));
        Assert.Equal("abc", Header(message, "trace"));
    }
}
