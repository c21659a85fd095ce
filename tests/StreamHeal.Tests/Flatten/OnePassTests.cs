using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Decode;
using StreamHeal.Flatten;
using StreamHeal.Records;
using StreamHeal.Tests.Support;
using Xunit;

namespace StreamHeal.Tests.Flatten;

/// <summary>
/// The pipeline reads a JSON event once, in flatten, so <see cref="Flattener.TryFlatten(byte[], JsonLimits)"/> must accept exactly what
/// <see cref="JsonDecoder.Validate"/> accepts: a value it let through that the decoder refuses would be bad data in the
/// table, and one it refused that the decoder accepts would be a good event in the DLQ.
/// </summary>
public sealed class OnePassTests
{
    private static readonly Flattener Flattener = new(new FlattenOptions());

    // Fragments that make near-JSON more often than single bytes would, escapes and lone surrogates among them.
    private static readonly string[] Fragments =
        ["{", "}", "[", "]", "\"", ":", ",", "1", "-2.5e3", "true", "null", "a", " ", "\"k\":", "\"v\"", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\n", "\\u00e9"];

    private static bool Agree(byte[] value, int maxDepth, int maxFields)
    {
        var decoder = new JsonDecoder(new DecodeOptions { MaxDepth = maxDepth, MaxFields = maxFields });
        var row = Flattener.TryFlatten(value, new JsonLimits(maxDepth, maxFields));
        var accepted = decoder.Validate(value).IsSuccess;
        if (row is null)
        {
            return !accepted;
        }

        // What it accepted is the row the flattener makes of a validated value.
        var expected = Flattener.Flatten(value);
        return accepted && row.Fields.SequenceEqual(expected.Fields) && row.Quarantine.Count == expected.Quarantine.Count;
    }

    [Property(MaxTest = 300)]
    public Property Generated_objects_are_accepted_exactly_when_the_decoder_accepts_them_within_any_limits() =>
        Prop.ForAll(
            Gen.Zip(JsonTrees.Object(5), Gen.Zip(Gen.Choose(1, 6), Gen.Choose(1, 12))).ToArbitrary(),
            static input => Agree(input.Item1.ToUtf8(), input.Item2.Item1, input.Item2.Item2));

    [Property(MaxTest = 300)]
    public Property Strings_kept_in_the_events_bytes_read_as_the_copied_ones() =>
        Prop.ForAll(JsonTrees.Object(4).ToArbitrary(), static tree =>
        {
            var value = tree.ToUtf8();
            var limits = new JsonLimits(DecodeOptions.DefaultMaxDepth, DecodeOptions.DefaultMaxFields);
            var kept = new Flattener(new FlattenOptions { MaxCachedValues = 0 }).TryFlatten(value, limits);
            var copied = new Flattener(new FlattenOptions { MaxCachedValues = 0 }).TryFlatten(value.AsSpan(), limits);
            return kept is not null && copied is not null
                && kept.Select(static f => (f.Name, f.Value.Kind, f.Value.AsText, f.Value.AsInt64)).SequenceEqual(
                    copied.Select(static f => (f.Name, f.Value.Kind, f.Value.AsText, f.Value.AsInt64)))
                && kept.Quarantine.SequenceEqual(copied.Quarantine);
        });

    [Fact]
    public void An_unshared_string_stays_in_the_events_bytes_and_a_shared_or_escaped_one_is_text()
    {
        var flattener = new Flattener(new FlattenOptions());
        var limits = new JsonLimits(DecodeOptions.DefaultMaxDepth, DecodeOptions.DefaultMaxFields);
        var long_ = new string('x', 100);
        var value = Encoding.UTF8.GetBytes($$$"""{"platform":"ios","id":"{{{long_}}}","e":"a\u00e9","nested":{"s":"ü"}}""");

        var row = flattener.TryFlatten(value, limits)!;

        // A short value the column shares is its cached string; a long one cannot be cached and stays where it is.
        Assert.False(row[0].Value.TryGetUtf8(out _));
        Assert.Equal("ios", row[0].Value.AsText);
        Assert.True(row[1].Value.TryGetUtf8(out var id));
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(id), ref value[Encoding.UTF8.GetString(value).IndexOf(long_, StringComparison.Ordinal)]));
        Assert.Equal(long_, row[1].Value.AsText);
        Assert.False(row[2].Value.TryGetUtf8(out _));
        Assert.Equal("aé", row[2].Value.AsText);
        Assert.Equal("ü", row[3].Value.AsText);

        // Without an array to keep them in, every string is text.
        var copied = flattener.TryFlatten(value.AsSpan(), limits)!;
        Assert.All(copied, static f => Assert.False(f.Value.TryGetUtf8(out _)));
    }

    [Fact]
    public void A_column_that_stopped_caching_keeps_its_strings_in_the_events_bytes()
    {
        var flattener = new Flattener(new FlattenOptions());
        var limits = new JsonLimits(DecodeOptions.DefaultMaxDepth, DecodeOptions.DefaultMaxFields);
        for (var i = 0; i <= ValueTextCache.MaxPerColumn; i++)
        {
            flattener.TryFlatten(Encoding.UTF8.GetBytes($$"""{"id":"u{{i}}"}"""), limits);
        }

        var row = flattener.TryFlatten("""{"id":"u1"}"""u8.ToArray(), limits)!;

        Assert.True(row[0].Value.TryGetUtf8(out _));
        Assert.Equal("u1", row[0].Value.AsText);
    }

    [Property(MaxTest = 200)]
    public Property Every_proper_prefix_of_an_object_is_refused() =>
        Prop.ForAll(
            JsonTrees.Object(3).SelectMany(static tree => Gen.Choose(1, tree.ToUtf8().Length - 1).Select(cut => tree.ToUtf8()[..cut])).ToArbitrary(),
            static prefix => Flattener.TryFlatten(prefix, new JsonLimits(DecodeOptions.DefaultMaxDepth, DecodeOptions.DefaultMaxFields)) is null);

    [Property(MaxTest = 1000)]
    public Property Near_json_with_escapes_is_judged_as_the_decoder_judges_it() =>
        Prop.ForAll(
            Gen.Elements(Fragments).ArrayOf().Select(static parts => Encoding.UTF8.GetBytes("{" + string.Concat(parts))).ToArbitrary(),
            static value => Agree(value, 4, 8));

    [Theory]
    [InlineData("{\"a\":")]
    [InlineData("{\"a\":1} x")]
    [InlineData("{\"a\":1}{}")]
    [InlineData("{'a':1}")]
    [InlineData("{\"a\":1,}")]
    [InlineData("nul")]
    [InlineData("   ")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    [InlineData("{\"a\":\"\\ud800\"}")]
    [InlineData("{\"\\udc00\":1}")]
    [InlineData("{\"a\":[\"\\ud800\"]}")]
    [InlineData("{\"a\":[{\"\\udc00\":1}]}")]
    [InlineData("{\"a\":{\"b\":[1,[\"x\\ud83d\"]]}}")]
    [InlineData("{\"a\":1} // comment")]
    public void A_value_the_decoder_refuses_is_refused(string json)
    {
        var value = Encoding.UTF8.GetBytes(json);

        Assert.False(new JsonDecoder(new DecodeOptions()).Validate(value).IsSuccess);
        Assert.Null(Flattener.TryFlatten(value, new JsonLimits(DecodeOptions.DefaultMaxDepth, DecodeOptions.DefaultMaxFields)));
    }

    [Theory]
    [InlineData("{\"a\":{\"b\":1}}", 2, 1, true)]
    [InlineData("{\"a\":{\"b\":1}}", 1, 1, false)]
    [InlineData("{\"a\":[1,[2]]}", 3, 1, true)]
    [InlineData("{\"a\":[1,[2]]}", 2, 1, false)]
    [InlineData("{\"a\":1,\"b\":[1,2,3],\"c\":{}}", 5, 3, true)]
    [InlineData("{\"a\":1,\"b\":[1,2,3],\"c\":{}}", 5, 2, false)]
    [InlineData("{\"a\":{\"\\ud83d\\ude00\":\"\\u00e9\"}}", 2, 1, true)]
    public void Limits_are_the_decoders(string json, int maxDepth, int maxFields, bool accepted)
    {
        var value = Encoding.UTF8.GetBytes(json);

        Assert.Equal(accepted, new JsonDecoder(new DecodeOptions { MaxDepth = maxDepth, MaxFields = maxFields }).Validate(value).IsSuccess);
        Assert.Equal(accepted, Flattener.TryFlatten(value, new JsonLimits(maxDepth, maxFields)) is not null);
    }
}
