using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Decode;
using StreamHeal.Tests.Support;

namespace StreamHeal.Tests.Decode;

public sealed class JsonDecoderProperties
{
    private static readonly JsonDecoder Decoder = new(new DecodeOptions());

    [Property(MaxTest = 200)]
    public Property Generated_objects_are_accepted_with_their_leaf_count() =>
        Prop.ForAll(JsonTrees.Object(4).ToArbitrary(), static tree =>
        {
            var result = Decoder.Validate(tree.ToUtf8());
            return result.IsSuccess && result.FieldCount == JsonTrees.RootLeafCount(tree);
        });

    [Property(MaxTest = 200)]
    public Property Every_proper_prefix_of_an_object_is_rejected() =>
        Prop.ForAll(
            JsonTrees.Object(3).SelectMany(static tree => Gen.Choose(0, tree.ToUtf8().Length - 1).Select(cut => tree.ToUtf8()[..cut])).ToArbitrary(),
            static prefix => !Decoder.Validate(prefix).IsSuccess);

    [Property(MaxTest = 200)]
    public Property Depth_limit_matches_the_model() =>
        Prop.ForAll(
            Gen.Zip(JsonTrees.Object(5), Gen.Choose(1, 6)).ToArbitrary(),
            static input =>
            {
                var (tree, maxDepth) = input;
                var result = new JsonDecoder(new DecodeOptions { MaxDepth = maxDepth }).Validate(tree.ToUtf8());
                return JsonTrees.Depth(tree) <= maxDepth
                    ? result.IsSuccess
                    : result.ErrorType == DecodeErrors.TooDeep;
            });

    [Property(MaxTest = 300)]
    public Property Arbitrary_bytes_never_throw() =>
        Prop.ForAll(
            Gen.Elements<byte>((byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)'"', (byte)':', (byte)',', (byte)'1', (byte)'a', (byte)'\\', (byte)'u', 0xC3, 0xA9, 0xFF, (byte)' ')
                .ArrayOf().ToArbitrary(),
            static bytes =>
            {
                var result = Decoder.Validate(bytes);
                return result.IsSuccess == (result.ErrorType is null) && (result.IsSuccess || result.ErrorMessage is not null);
            });
}
