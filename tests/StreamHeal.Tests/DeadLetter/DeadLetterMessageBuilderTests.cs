using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.DeadLetter;
using StreamHeal.Records;
using Xunit;

namespace StreamHeal.Tests.DeadLetter;

public sealed class DeadLetterMessageBuilderTests
{
    private static IngestRecord Record(byte[] value, byte[]? key = null)
    {
        var record = new IngestRecord
        {
            Topic = "events",
            Partition = 3,
            Offset = 42,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000),
            Key = key ?? Encoding.UTF8.GetBytes("k"),
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
    /// <summary>
    /// Regression: a poison record whose own headers (or key) were near the limit could not be dead-lettered at any
    /// value size: the DLQ send failed for good and the partition stopped behind it.
    /// </summary>
    [Fact]
    public void A_record_whose_headers_alone_exceed_the_limit_keeps_its_context_and_says_how_many_headers_it_lost()
    {
        var record = Record(Encoding.UTF8.GetBytes("{bad"));
        record.Headers!.Add("big-a", new byte[30_000]);
        record.Headers.Add("big-b", new byte[30_000]);

        var message = new DeadLetterMessageBuilder("g", TimeProvider.System).Build(record, 50_000);

        Assert.True(Size(message) <= 50_000, $"{Size(message)} bytes");
        Assert.Equal("3", Header(message, DeadLetterHeaders.HeadersDropped));
        Assert.DoesNotContain(message.Headers, h => h.Key is "trace" or "big-a" or "big-b");
        Assert.Equal("{bad", Encoding.UTF8.GetString(message.Value!));
        Assert.Equal("k", Encoding.UTF8.GetString(message.Key!));
        Assert.Equal("invalid_json", Header(message, DeadLetterHeaders.ErrorType));
        Assert.Equal("42", Header(message, DeadLetterHeaders.OriginalOffset));
    }

    [Fact]
    public void A_key_too_large_for_the_dlq_is_cut_with_its_size_and_hash()
    {
        var key = new byte[80_000];
        Random.Shared.NextBytes(key);
        var record = Record(Encoding.UTF8.GetBytes("{bad"), key);

        var message = new DeadLetterMessageBuilder("g", TimeProvider.System).Build(record, 50_000);

        Assert.True(Size(message) <= 50_000, $"{Size(message)} bytes");
        Assert.Equal(key.AsSpan(0, message.Key!.Length).ToArray(), message.Key);
        Assert.Equal("80000", Header(message, DeadLetterHeaders.KeyTruncated));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(key)), Header(message, DeadLetterHeaders.KeySha256));
        Assert.Equal("{bad", Encoding.UTF8.GetString(message.Value!));
    }

    /// <summary>Whatever the sizes of key, value and headers, the dead letter fits the DLQ's limit with its context.</summary>
    [Property(MaxTest = 300)]
    public Property Every_dead_letter_fits_the_limit_and_keeps_its_context() =>
        Prop.ForAll(
            (from keySize in Gen.Choose(0, 120_000)
             from valueSize in Gen.Choose(0, 120_000)
             from headerSizes in Gen.Choose(0, 60_000).ArrayOf()
             from limit in Gen.Choose(4_096, 100_000)
             select (keySize, valueSize, headerSizes.Take(6).ToArray(), limit)).ToArbitrary(),
            sizes =>
            {
                var (keySize, valueSize, headerSizes, limit) = sizes;
                var record = Record(new byte[valueSize], new byte[keySize]);
                for (var i = 0; i < headerSizes.Length; i++)
                {
                    record.Headers!.Add($"h{i}", new byte[headerSizes[i]]);
                }

                var message = new DeadLetterMessageBuilder("g", TimeProvider.System).Build(record, limit);

                return Size(message) <= limit
                    && Header(message, DeadLetterHeaders.OriginalOffset) == "42"
                    && Header(message, DeadLetterHeaders.ErrorType) == "invalid_json";
            });

    // What librdkafka counts against message.max.bytes, at most: key, value, each header with its framing, the record's own.
    private static int Size(Message<byte[]?, byte[]?> message) =>
        (message.Key?.Length ?? 0) + (message.Value?.Length ?? 0) + message.Headers.Sum(h => Encoding.UTF8.GetByteCount(h.Key) + (h.GetValueBytes()?.Length ?? 0) + 8) + 512;
}
