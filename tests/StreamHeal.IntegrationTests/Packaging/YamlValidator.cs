using System.Text.Json.Nodes;
using StreamHeal.IntegrationTests.Support;
using Xunit;

namespace StreamHeal.IntegrationTests.Packaging;

/// <summary>
/// Runs <c>validate/validate.mjs</c> with node: every Kubernetes object in the files is validated against its API
/// schema (kubernetes-models, KEDA's and the Prometheus Operator's models), and every YAML document comes back as
/// JSON for the tests to compare. <c>./build.sh test</c> installs node and runs <c>npm ci</c> in that folder.
/// </summary>
public static class YamlValidator
{
    public static string Folder { get; } = RepositoryRoot.Combine("tests", "StreamHeal.IntegrationTests", "Packaging", "validate");

    /// <summary>The documents of each file (keyed by the path as given), whether every object validated, and why not.</summary>
    public static async Task<(Dictionary<string, JsonArray> Files, bool Valid, string Errors)> RunAsync(params string[] files)
    {
        var node = ExternalTools.RequireOnPath("node", "nodejs");
        if (!Directory.Exists(Path.Combine(Folder, "node_modules", "kubernetes-models")))
        {
            Assert.Fail($"The manifest validators are not installed. Install them: (cd {Folder} && npm ci)");
        }

        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(node, [Path.Combine(Folder, "validate.mjs"), .. files], "", TimeSpan.FromMinutes(1));
        Assert.True(stdout.Length > 0, $"validate.mjs printed nothing (exit {exitCode}): {stderr}");
        var parsed = JsonNode.Parse(stdout)!["files"]!.AsObject();
        return (parsed.ToDictionary(static kv => kv.Key, static kv => kv.Value!.AsArray()), exitCode == 0, stderr);
    }
}
