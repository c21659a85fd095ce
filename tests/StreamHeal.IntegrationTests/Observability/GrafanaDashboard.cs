using System.Text.Json;
using System.Text.RegularExpressions;
using StreamHeal.IntegrationTests.Support;

namespace StreamHeal.IntegrationTests.Observability;

/// <summary>One query of a dashboard panel, as Grafana would send it before substituting variables.</summary>
public sealed record PanelQuery(string Panel, string RefId, string Expression);

/// <summary>A dashboard variable; <see cref="Query"/> is its <c>label_values(...)</c> query or datasource type.</summary>
public sealed record DashboardVariable(string Name, string Type, string Query, JsonElement Definition);

/// <summary>
/// <c>grafana/dashboards/streamheal.json</c>, read the way Grafana reads it: rows, the panels under them (also inside
/// collapsed rows), their queries and the template variables, plus turning a query into plain PromQL.
/// </summary>
public sealed partial class GrafanaDashboard
{
    public static readonly string DefaultPath = RepositoryRoot.Combine("grafana", "dashboards", "streamheal.json");

    /// <summary>
    /// What a variable stands for when a query is sent to Prometheus directly: every variable is used as
    /// <c>label=~"$var"</c>, so "All" (<c>.*</c>) matches every series; a range is one minute, four 15 s scrapes.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> AllValues = new Dictionary<string, string>
    {
        ["__rate_interval"] = "1m",
        ["__interval"] = "1m",
        ["__range"] = "1h",
        ["job"] = ".*",
        ["instance"] = ".*",
        ["topic"] = ".*",
        ["table"] = ".*",
    };

    private GrafanaDashboard(JsonElement root) => Root = root;

    public JsonElement Root { get; }

    /// <summary>Every panel in layout order, rows included, with the panels of collapsed rows after their row.</summary>
    public IReadOnlyList<JsonElement> AllPanels { get; private init; } = [];

    public IEnumerable<JsonElement> Rows => AllPanels.Where(IsRow);

    public IEnumerable<JsonElement> Panels => AllPanels.Where(p => !IsRow(p));

    public IReadOnlyList<DashboardVariable> Variables { get; private init; } = [];

    public IEnumerable<PanelQuery> Queries =>
        from panel in Panels
        from target in Targets(panel)
        select new PanelQuery(
            Title(panel),
            target.TryGetProperty("refId", out var refId) ? refId.GetString() ?? "" : "",
            target.TryGetProperty("expr", out var expr) ? expr.GetString() ?? "" : "");

    public static GrafanaDashboard Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement.Clone();

        var panels = new List<JsonElement>();
        foreach (var panel in root.GetProperty("panels").EnumerateArray())
        {
            panels.Add(panel);
            if (IsRow(panel) && panel.TryGetProperty("panels", out var nested))
            {
                panels.AddRange(nested.EnumerateArray());
            }
        }

        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray()
            .Select(v => new DashboardVariable(
                v.GetProperty("name").GetString()!,
                v.GetProperty("type").GetString()!,
                VariableQuery(v),
                v))
            .ToList();

        return new GrafanaDashboard(root) { AllPanels = panels, Variables = variables };
    }

    public static bool IsRow(JsonElement panel) => panel.GetProperty("type").GetString() == "row";

    public static string Title(JsonElement panel) =>
        panel.TryGetProperty("title", out var title) ? title.GetString() ?? "" : "(untitled)";

    public static IEnumerable<JsonElement> Targets(JsonElement panel) =>
        panel.TryGetProperty("targets", out var targets) ? targets.EnumerateArray() : [];

    /// <summary>The variables a query refers to (<c>$name</c> or <c>${name}</c>), built-ins included.</summary>
    public static IEnumerable<string> ReferencedVariables(string expression) =>
        VariableReference().Matches(expression).Select(m => m.Groups["name"].Value).Distinct();

    /// <summary>Replaces every variable by its value in <paramref name="values"/>; an unknown one is left as is.</summary>
    public static string Substitute(string expression, IReadOnlyDictionary<string, string> values) =>
        VariableReference().Replace(expression, m => values.TryGetValue(m.Groups["name"].Value, out var value) ? value : m.Value);

    /// <summary>The series selector inside <c>label_values(selector, label)</c>, or null for another kind of query.</summary>
    public static string? LabelValuesSelector(string variableQuery)
    {
        var match = LabelValuesCall().Match(variableQuery);
        return match.Success ? match.Groups["selector"].Value : null;
    }

    private static string VariableQuery(JsonElement variable) =>
        variable.TryGetProperty("query", out var query)
            ? query.ValueKind == JsonValueKind.Object ? query.GetProperty("query").GetString() ?? "" : query.GetString() ?? ""
            : "";

    [GeneratedRegex(@"\$(?:\{(?<name>\w+)(?::\w+)?\}|(?<name>\w+))")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"^\s*label_values\(\s*(?<selector>.+),\s*\w+\s*\)\s*$", RegexOptions.Singleline)]
    private static partial Regex LabelValuesCall();
}
