using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StreamHeal.Host.Commands;
using StreamHeal.Hosting;
using StreamHeal.IntegrationTests.Support;
using Xunit;

namespace StreamHeal.IntegrationTests.Packaging;

/// <summary>
/// docker-compose.yml, as Debian's <c>docker-compose config</c> resolves it (no daemon needed): it validates, every image
/// is pinned, every file it mounts exists and the Prometheus and Alertmanager configs it mounts pass their own tools.
/// </summary>
public sealed partial class ComposeTests(ComposeTests.Stack stack) : IClassFixture<ComposeTests.Stack>
{
    [Fact]
    public void The_compose_file_validates_and_runs_the_whole_stack()
    {
        Assert.True(stack.ConfigExitCode == 0, $"docker-compose config exited {stack.ConfigExitCode}: {stack.ConfigErrors}");
        Assert.Equal(
            ["alertmanager", "grafana", "kafka", "kafka-init", "produce-sample", "prometheus", "redis", "schema-registry", "streamheal"],
            stack.Services.Select(static s => s.Key).Order());
    }

    [Fact]
    public void Every_image_is_pinned_to_a_version_and_streamheal_is_built_from_the_dockerfile()
    {
        foreach (var (name, service) in stack.Services)
        {
            if (service!["build"] is { } build)
            {
                Assert.Equal(RepositoryRoot.Path, Path.TrimEndingDirectorySeparator((string)build["context"]!));
                continue;
            }

            var image = (string)service["image"]!;
            Assert.Matches(PinnedImage(), image);
            Assert.False(image.EndsWith(":latest", StringComparison.Ordinal), $"{name}: {image} is not pinned");
        }

        Assert.NotNull(stack.Services["streamheal"]!["build"]);
        Assert.NotNull(stack.Services["produce-sample"]!["build"]);
    }

    [Fact]
    public void Every_mounted_file_exists_and_the_monitoring_configs_pass_promtool_and_amtool()
    {
        foreach (var (name, service) in stack.Services)
        {
            foreach (var bind in Binds(service!))
            {
                Assert.True(File.Exists(bind.Source) || Directory.Exists(bind.Source), $"{name} mounts {bind.Source}, which does not exist");
            }
        }

        var prometheus = Binds(stack.Services["prometheus"]!).Single(static b => b.Target == "/etc/prometheus").Source;
        var alertmanager = Binds(stack.Services["alertmanager"]!).Single(static b => b.Target == "/etc/alertmanager").Source;
        Assert.Equal(RepositoryRoot.Combine("deploy", "prometheus"), prometheus);
        Assert.Equal(RepositoryRoot.Combine("deploy", "alertmanager"), alertmanager);
        Assert.True(stack.PromtoolExitCode(Path.Combine(prometheus, "prometheus.yml")) == 0, stack.ConfigErrors);
        Assert.True(stack.AmtoolExitCode(Path.Combine(alertmanager, "alertmanager.yml")) == 0, stack.ConfigErrors);

        // Grafana: provisioning where Grafana reads it, dashboards where the provisioning points, anonymous viewers.
        var grafana = stack.Services["grafana"]!;
        var grafanaBinds = Binds(grafana);
        Assert.Equal(RepositoryRoot.Combine("grafana", "provisioning"), grafanaBinds.Single(static b => b.Target == "/etc/grafana/provisioning").Source);
        var dashboards = grafanaBinds.Single(static b => b.Source == RepositoryRoot.Combine("grafana", "dashboards")).Target;
        Assert.Contains($"path: {dashboards}\n", File.ReadAllText(RepositoryRoot.Combine("grafana", "provisioning", "dashboards", "streamheal.yml")), StringComparison.Ordinal);
        var home = (string)grafana["environment"]!["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]!;
        Assert.True(File.Exists(RepositoryRoot.Combine("grafana", "dashboards", Path.GetRelativePath(dashboards, home))), home);
        Assert.Equal("true", (string)grafana["environment"]!["GF_AUTH_ANONYMOUS_ENABLED"]!);
        Assert.Equal("Viewer", (string)grafana["environment"]!["GF_AUTH_ANONYMOUS_ORG_ROLE"]!);
    }

    [Fact]
    public void Streamheal_is_reachable_where_prometheus_scrapes_and_consumes_the_topics_the_init_step_creates()
    {
        var streamheal = stack.Services["streamheal"]!;
        var environment = streamheal["environment"]!;
        Assert.Equal("0.0.0.0", (string)environment["STREAMHEAL__HEALTH__BINDADDRESS"]!);
        var port = new HealthOptions().Port;
        Assert.Contains(streamheal["ports"]!.AsArray(), p => (int)p!["target"]! == port);
        Assert.Contains($"\"streamheal:{port}\"", File.ReadAllText(RepositoryRoot.Combine("deploy", "prometheus", "prometheus.yml")), StringComparison.Ordinal);

        // DuckDB is on a named volume, not in the read-only container filesystem.
        Assert.True((bool)streamheal["read_only"]!);
        var data = Mounts(streamheal).Single(static m => !Path.IsPathRooted(m.Source));
        Assert.StartsWith(data.Target + "/", (string)environment["STREAMHEAL__SINK__DUCKDB__PATH"]!, StringComparison.Ordinal);

        var topic = (string)environment["STREAMHEAL__KAFKA__TOPICS__0"]!;
        var init = string.Join(' ', stack.Services["kafka-init"]!["command"]!.AsArray().Select(static c => (string)c!));
        Assert.Contains($"--topic {topic} ", init, StringComparison.Ordinal);
        Assert.Contains($"--topic {topic}.dlq ", init, StringComparison.Ordinal);

        // produce-sample: a one-shot run of the image's `produce-sample` verb into the same topic.
        var produce = stack.Services["produce-sample"]!;
        Assert.Equal("no", (string)produce["restart"]!);
        var command = produce["command"]!.AsArray().Select(static c => (string)c!).ToArray();
        Assert.Equal("produce-sample", command[0]);
        Assert.Equal(topic, command[Array.IndexOf(command, "--topic") + 1]);
        Assert.Equal((string)environment["STREAMHEAL__KAFKA__BOOTSTRAPSERVERS"]!, command[Array.IndexOf(command, "--bootstrap-servers") + 1]);
        // The verb is built separately; once the executable has it, every option the stack passes must be one of its own.
        var verb = CommandCatalog.All().SingleOrDefault(static c => c.Name == "produce-sample");
        if (verb is not null)
        {
            var options = verb.Options.SelectMany(static o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
            Assert.All(command.Where(static c => c.StartsWith("--", StringComparison.Ordinal)), flag => Assert.Contains(flag, options));
        }
    }

    private static IEnumerable<(string Source, string Target)> Binds(JsonNode service) =>
        Mounts(service).Where(static m => Path.IsPathRooted(m.Source));

    /// <summary>Volumes as <c>docker-compose config</c> writes them: <c>source:target[:mode]</c>, a bind's source made absolute.</summary>
    private static IEnumerable<(string Source, string Target)> Mounts(JsonNode service) =>
        (service["volumes"]?.AsArray() ?? [])
            .Select(static v => ((string)v!).Split(':'))
            .Select(static parts => (Path.TrimEndingDirectorySeparator(parts[0]), parts[1]));

    // name[:port]/path:tag with a digit in the tag (a version, not "latest" or "stable").
    [GeneratedRegex(@"^[a-z0-9./_-]+:[A-Za-z0-9._-]*[0-9][A-Za-z0-9._-]*$")]
    private static partial Regex PinnedImage();

    /// <summary><c>docker-compose config</c> of the repository's file, run once, read back as JSON.</summary>
    public sealed class Stack : IAsyncLifetime
    {
        private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(1);
        private readonly Dictionary<string, int> _toolExitCodes = new(StringComparer.Ordinal);

        public int ConfigExitCode { get; private set; }

        public string ConfigErrors { get; private set; } = "";

        public JsonObject Services { get; private set; } = [];

        public int PromtoolExitCode(string config) => _toolExitCodes["promtool " + config];

        public int AmtoolExitCode(string config) => _toolExitCodes["amtool " + config];

        public async Task InitializeAsync()
        {
            var compose = ExternalTools.RequireOnPath("docker-compose", "docker-compose");
            var resolved = Path.Combine(Path.GetTempPath(), $"streamheal-compose-{Guid.NewGuid():N}.yml");
            try
            {
                var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(
                    compose, ["-f", RepositoryRoot.Combine("docker-compose.yml"), "config"], "", ToolTimeout, RepositoryRoot.Path);
                (ConfigExitCode, ConfigErrors) = (exitCode, stderr);
                if (exitCode != 0)
                {
                    return;
                }

                await File.WriteAllTextAsync(resolved, stdout);
                var (files, _, errors) = await YamlValidator.RunAsync(resolved);
                Services = files[resolved].Single()!["services"]?.AsObject() ?? throw new InvalidOperationException($"no services: {errors}");
            }
            finally
            {
                File.Delete(resolved);
            }

            await RunToolAsync("promtool", "prometheus", "check", "config", RepositoryRoot.Combine("deploy", "prometheus", "prometheus.yml"));
            await RunToolAsync("amtool", "prometheus-alertmanager", "check-config", RepositoryRoot.Combine("deploy", "alertmanager", "alertmanager.yml"));
        }

        private async Task RunToolAsync(string tool, string package, params string[] arguments)
        {
            var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(ExternalTools.RequireOnPath(tool, package), arguments, "", ToolTimeout);
            _toolExitCodes[$"{tool} {arguments[^1]}"] = exitCode;
            if (exitCode != 0)
            {
                ConfigErrors += $"\n{tool}: {stdout}\n{stderr}";
            }
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}
