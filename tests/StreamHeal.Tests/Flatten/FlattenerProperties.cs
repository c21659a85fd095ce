using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Flatten;
using StreamHeal.Records;
using StreamHeal.Tests.Support;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Flatten;

public sealed partial class FlattenerProperties
{
    private static readonly Flattener Default = new(new FlattenOptions());

    /// <summary>Keys with characters that need sanitising, reserved prefixes, empty keys and duplicates.</summary>
    private static readonly Gen<string> NastyKey =
        Gen.Frequency(
            (6, Gen.Elements("a", "B", "0", "_", "-", " ", "é", "😀", ".", "$", "k").ListOf(3).Select(static cs => string.Concat(cs))),
            (1, Gen.Elements("", "_kafka_x", "_quarantine", "_PARTITIONTIME", "a-b", "a_b", "1a")));

    private static Gen<JsonObject> NastyObject(int depth) =>
        Gen.Choose(0, 5).SelectMany(count => Gen.Zip(NastyKey, NastyNode(depth - 1)).ListOf(count))
            .Select(static members => new JsonObject(members.Select(static m => new KeyValuePair<string, JsonNode>(m.Item1, m.Item2)).ToArray()));

    private static Gen<JsonNode> NastyNode(int depth) => depth <= 0
        ? JsonTrees.Scalar
        : Gen.Frequency((4, JsonTrees.Scalar), (2, NastyObject(depth).Select(static o => (JsonNode)o)), (1, JsonTrees.Node(1)));

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ColumnPattern();

    [Property(MaxTest = 200)]
    public Property Plain_keys_give_one_column_per_leaf_and_no_quarantine() =>
        Prop.ForAll(JsonTrees.Object(4).ToArbitrary(), static tree =>
        {
            var row = Default.Flatten(tree.ToUtf8());
            var expected = new List<(string Name, JsonNode Node)>();
            Expect(tree, "", expected);

            return row.Quarantine.Count == 0
                && row.Fields.Select(static f => f.Name).SequenceEqual(expected.Select(static e => e.Name))
                && row.Fields.Zip(expected).All(static p => Matches(p.First.Value, p.Second.Node));
        });

    /// <summary>
    /// A flattener remembers, per thread, the paths of the events it flattened last by their position; an event whose
    /// paths differ at a position (other keys, of the same length or not) must still get exactly the row a flattener
    /// that never saw another event gives it. A small name cache also takes the path past its bound.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Events_of_different_shapes_in_a_row_get_the_rows_a_fresh_flattener_gives_them() =>
        Prop.ForAll(NastyObject(3).ListOf(8).ToArbitrary(), static trees =>
        {
            var warm = new Flattener(new FlattenOptions { MaxCachedNames = 12 });
            return trees.All(tree =>
            {
                var json = tree.ToUtf8();
                return SameRow(warm.Flatten(json), new Flattener(new FlattenOptions { MaxCachedNames = 12 }).Flatten(json));
            });
        });

    private static bool SameRow(FlatRow a, FlatRow b) =>
        a.Fields.Select(static f => (f.Name, f.Value.ToJsonLiteral())).SequenceEqual(b.Fields.Select(static f => (f.Name, f.Value.ToJsonLiteral())))
        && a.Quarantine.SequenceEqual(b.Quarantine);

    [Property(MaxTest = 300)]
    public Property Any_keys_give_safe_unique_names_and_lose_nothing() =>
        Prop.ForAll(
            Gen.Zip(NastyObject(3), Gen.Choose(16, 40)).ToArbitrary(),
            static input =>
            {
                var (tree, maxNameLength) = input;
                var row = new Flattener(new FlattenOptions { MaxNameLength = maxNameLength, MaxCachedNames = 8 }).Flatten(tree.ToUtf8());
                var names = row.Fields.Select(static f => f.Name).ToArray();

                return names.All(n => n.Length <= maxNameLength && ColumnPattern().IsMatch(n) && !ColumnNames.IsReserved(n))
                    && names.Distinct(StringComparer.Ordinal).Count() == names.Length
                    && row.Count + row.Quarantine.Count == JsonTrees.RootLeafCount(tree)
                    && row.QuarantineJson() is null == (row.Quarantine.Count == 0);
            });

    private static void Expect(JsonObject obj, string prefix, List<(string, JsonNode)> into)
    {
        foreach (var (key, node) in obj.Members)
        {
            var name = prefix.Length == 0 ? key : prefix + "__" + key;
            if (node is JsonObject { Members.Count: > 0 } nested)
            {
                Expect(nested, name, into);
            }
            else
            {
                into.Add((name, node));
            }
        }
    }

    private static bool Matches(FieldValue value, JsonNode node)
    {
        if (node is not JsonScalar scalar)
        {
            var text = new StringBuilder();
            node.Write(text);
            return value.Kind == FieldKind.Json && value.AsText == text.ToString();
        }

        var expected = scalar.Literal switch
        {
            "null" => FieldKind.Null,
            "true" or "false" => FieldKind.Bool,
            ['"', ..] => FieldKind.String,
            "9223372036854775808" or "-12345678901234567890" => FieldKind.BigInteger,
            _ when scalar.Literal.AsSpan().IndexOfAny(".eE") >= 0 => FieldKind.Float64,
            _ => FieldKind.Int64,
        };
        return value.Kind == expected && (expected != FieldKind.BigInteger || value.AsText == scalar.Literal);
    }
}
