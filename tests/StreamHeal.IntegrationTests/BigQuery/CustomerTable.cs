using System.Text.Json.Nodes;
using Xunit;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>
/// A table a customer made before StreamHeal came: every TableFieldSchema property BigQuery has (description,
/// policyTags, dataPolicies, precision/scale, maxLength, defaultValueExpression, collation, roundingMode), one it may
/// add later, REPEATED fields and RECORDs nested twice. Written as tables.get shows it (legacy type names, mode spelled
/// out, int64 values as strings), so a faithful round trip compares equal.
/// </summary>
internal static class CustomerTable
{
    /// <summary>The maxLength of the <c>name</c> column.</summary>
    public const int NameMaxLength = 8;

    public static JsonArray Fields(bool withRecord = true)
    {
        var fields = JsonNode.Parse($$$"""
            [
              {"name":"id","type":"INTEGER","mode":"NULLABLE","description":"Order id, set by the shop"},
              {"name":"name","type":"STRING","mode":"NULLABLE","maxLength":"{{{NameMaxLength}}}","collation":"und:ci","description":"short name",
               "policyTags":{"names":["projects/acme/locations/eu/taxonomies/11/policyTags/22"]}},
              {"name":"price","type":"NUMERIC","mode":"NULLABLE","precision":"10","scale":"2","roundingMode":"ROUND_HALF_EVEN"},
              {"name":"email","type":"STRING","mode":"NULLABLE","dataPolicies":[{"name":"projects/acme/locations/eu/dataPolicies/mask_email"}]},
              {"name":"created","type":"TIMESTAMP","mode":"NULLABLE","defaultValueExpression":"CURRENT_TIMESTAMP()"},
              {"name":"tags","type":"STRING","mode":"REPEATED","futureProperty":{"kept":true,"values":[1,2.50,null],"text":"caf\u00e9"}},
              {"name":"audit","type":"RECORD","mode":"NULLABLE","description":"who changed it","fields":[
                {"name":"by","type":"STRING","mode":"NULLABLE","maxLength":"64"},
                {"name":"at","type":"TIMESTAMP","mode":"REQUIRED"},
                {"name":"history","type":"RECORD","mode":"REPEATED","fields":[
                  {"name":"step","type":"INTEGER","mode":"NULLABLE","description":"nested twice"},
                  {"name":"note","type":"STRING","mode":"NULLABLE","collation":"und:ci"}]}]}
            ]
            """)!.AsArray();
        if (!withRecord)
        {
            fields.RemoveAt(fields.Count - 1);
        }

        return fields;
    }

    /// <summary>
    /// Asserts <paramref name="after"/> is <paramref name="before"/>, every field's JSON unchanged and in place,
    /// followed by exactly the fields named <paramref name="added"/>, each NULLABLE.
    /// </summary>
    public static void AssertKeptAndAppended(JsonArray before, JsonArray after, IEnumerable<string> added)
    {
        Assert.True(after.Count >= before.Count, $"the table lost fields: {after.ToJsonString()}");
        for (var i = 0; i < before.Count; i++)
        {
            Assert.True(JsonNode.DeepEquals(before[i], after[i]), $"field {i} changed:\nbefore {before[i]!.ToJsonString()}\nafter  {after[i]!.ToJsonString()}");
        }

        var appended = after.Skip(before.Count).ToList();
        Assert.Equal(added.Order(StringComparer.Ordinal), appended.Select(field => (string)field!["name"]!).Order(StringComparer.Ordinal));
        Assert.All(appended, field => Assert.Equal("NULLABLE", (string?)field!["mode"]));
    }
}
