using System.Text.Json;
using System.Text.RegularExpressions;

namespace StreamHeal.IntegrationTests.Packaging;

/// <summary>
/// The repository's Dockerfile, read as Docker reads it (comments dropped, continuation lines joined), so the tests
/// run the image's own publish command and environment instead of a copy that could drift.
/// </summary>
public sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyList<Instruction> instructions) => Instructions = instructions;

    /// <summary>An instruction and the build stage it belongs to (its <c>FROM ... AS</c> name, or its index).</summary>
    public sealed record Instruction(string Keyword, string Arguments, string Stage);

    public IReadOnlyList<Instruction> Instructions { get; }

    /// <summary>The stage the image is made of: the last one.</summary>
    public string FinalStage => Instructions[^1].Stage;

    public static Dockerfile Load(string path)
    {
        var instructions = new List<Instruction>();
        var stage = "";
        var stages = 0;
        var pending = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            var text = (pending + line).Trim();
            pending = "";
            if (text.Length == 0)
            {
                continue;
            }

            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var keyword = text[..space].ToUpperInvariant();
            var arguments = text[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var alias = StageAlias().Match(arguments);
                stage = alias.Success ? alias.Groups["name"].Value : stages.ToString(System.Globalization.CultureInfo.InvariantCulture);
                stages++;
            }

            instructions.Add(new Instruction(keyword, arguments, stage));
        }

        return new Dockerfile(instructions);
    }

    public IEnumerable<Instruction> In(string stage, string keyword) =>
        Instructions.Where(i => i.Stage == stage && i.Keyword == keyword);

    /// <summary>The one value of a single-valued instruction of the final stage (WORKDIR, USER, EXPOSE).</summary>
    public string Final(string keyword) => In(FinalStage, keyword).Single().Arguments;

    /// <summary>An exec-form (JSON array) instruction of the final stage: ENTRYPOINT, CMD, VOLUME.</summary>
    public string[] FinalExecForm(string keyword) => JsonSerializer.Deserialize<string[]>(Final(keyword))!;

    /// <summary>The final stage's ENV, in the <c>KEY=value KEY=value</c> form (values without spaces or quotes).</summary>
    public IReadOnlyDictionary<string, string> FinalEnvironment() =>
        In(FinalStage, "ENV")
            .SelectMany(static i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(static pair => pair.Split('=', 2))
            .ToDictionary(static kv => kv[0], static kv => kv[1], StringComparer.Ordinal);

    /// <summary>
    /// The <c>RUN</c> of any stage that runs <c>dotnet publish</c>, without its <c>--mount</c> flags (a BuildKit cache has
    /// no meaning outside a build), as arguments split on whitespace.
    /// </summary>
    public (string Stage, string[] Arguments) PublishCommand()
    {
        var run = Instructions.Single(static i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        var words = run.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(static w => w.StartsWith("--mount=", StringComparison.Ordinal)).ToArray();
        if (words.Any(static w => w.Contains('"', StringComparison.Ordinal) || w.Contains('\'', StringComparison.Ordinal) || w is "&&" or ";" or "|"))
        {
            throw new InvalidOperationException($"The publish RUN is more than one plain command; the test runs it split on spaces: {run.Arguments}");
        }

        return (run.Stage, words);
    }

    [GeneratedRegex(@"\bAS\s+(?<name>\S+)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex StageAlias();
}
