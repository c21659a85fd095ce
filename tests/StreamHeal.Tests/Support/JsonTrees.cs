using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace StreamHeal.Tests.Support;

/// <summary>A tiny JSON model so properties can predict what decode and flatten should produce.</summary>
public abstract record JsonNode
{
    public abstract void Write(StringBuilder sb);
}

public sealed record JsonScalar(string Literal) : JsonNode
{
    public override void Write(StringBuilder sb) => sb.Append(Literal);
}

public sealed record JsonArray(IReadOnlyList<JsonNode> Items) : JsonNode
{
    public override void Write(StringBuilder sb)
    {
        sb.Append('[');
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            Items[i].Write(sb);
        }

        sb.Append(']');
    }
}

public sealed record JsonObject(IReadOnlyList<KeyValuePair<string, JsonNode>> Members) : JsonNode
{
    public override void Write(StringBuilder sb)
    {
        sb.Append('{');
        for (var i = 0; i < Members.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append('"').Append(Members[i].Key).Append("\":");
            Members[i].Value.Write(sb);
        }

        sb.Append('}');
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        Write(sb);
        return sb.ToString();
    }

    public byte[] ToUtf8() => Encoding.UTF8.GetBytes(ToString());
}

public static class JsonTrees
{
    private static readonly string[] Scalars =
        ["0", "-1", "42", "9223372036854775807", "9223372036854775808", "-12345678901234567890", "1.5", "-2.5e-3", "true", "false", "null", "\"\"", "\"x\"", "\"caf\\u00e9\""];

    /// <summary>Short lowercase keys, unique within an object, so every leaf gets its own column.</summary>
    private static Gen<string> Key => Gen.Elements("a", "b", "c", "id", "name", "v1", "x_y", "zz");

    public static Gen<JsonNode> Scalar => Gen.Elements(Scalars).Select(static s => (JsonNode)new JsonScalar(s));

    public static Gen<JsonObject> Object(int depth) =>
        Gen.Choose(0, 4).SelectMany(count => Key.ListOf(count)).SelectMany(keys =>
        {
            var distinct = keys.Distinct(StringComparer.Ordinal).ToArray();
            return Node(depth - 1).ArrayOf(distinct.Length).Select(values =>
                new JsonObject(distinct.Select((k, i) => new KeyValuePair<string, JsonNode>(k, values[i])).ToArray()));
        });

    public static Gen<JsonNode> Node(int depth) => depth <= 0
        ? Scalar
        : Gen.Frequency(
            (5, Scalar),
            (2, Object(depth).Select(static o => (JsonNode)o)),
            (1, Node(depth - 1).ListOf(3).Select(static items => (JsonNode)new JsonArray(items.ToArray()))));

    /// <summary>The number of columns flattening produces: scalars, arrays and empty objects outside arrays.</summary>
    public static int LeafCount(JsonNode node) => node switch
    {
        JsonObject { Members.Count: 0 } => 1,
        JsonObject o => o.Members.Sum(static m => LeafCount(m.Value)),
        _ => 1,
    };

    public static int RootLeafCount(JsonObject root) => root.Members.Sum(static m => LeafCount(m.Value));

    public static int Depth(JsonNode node) => node switch
    {
        JsonObject o => 1 + (o.Members.Count == 0 ? 0 : o.Members.Max(static m => Depth(m.Value))),
        JsonArray a => 1 + (a.Items.Count == 0 ? 0 : a.Items.Max(Depth)),
        _ => 0,
    };
}
