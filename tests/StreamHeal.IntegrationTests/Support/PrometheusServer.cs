using StreamHeal.TestSupport;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>A target for <see cref="PrometheusServer"/> to scrape, e.g. a running StreamHeal's health listener.</summary>
public sealed record ScrapeTarget(string Job, string Address, string MetricsPath = "/metrics");

public sealed class PrometheusServerOptions
{
    public IReadOnlyList<ScrapeTarget> Targets { get; init; } = [];

    /// <summary>Also scrape the server's own <c>/metrics</c> as job <c>prometheus</c>: data without any other process.</summary>
    public bool ScrapeItself { get; init; }

    /// <summary>Rule files to load (absolute paths); rules are evaluated every <see cref="ScrapeInterval"/>.</summary>
    public IReadOnlyList<string> RuleFiles { get; init; } = [];

    /// <summary>Scrape and rule evaluation interval. Default 1 s, so a short test run still yields rates.</summary>
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>The answer to an instant query: the error Prometheus gave, or the result and how many series it holds.</summary>
public sealed record PromQlResult(string? Error, string? ResultType, JsonElement Result)
{
    public bool Succeeded => Error is null;

    /// <summary>Series in a vector or matrix; 1 for a scalar or string.</summary>
    public int SeriesCount => ResultType is "vector" or "matrix" ? Result.GetArrayLength() : Succeeded ? 1 : 0;
}

/// <summary>A rule as the server loaded it, from <c>/api/v1/rules</c>.</summary>
public sealed record LoadedRule(
    string Name,
    string Type,
    string Query,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    string Health,
    string? LastError);

/// <summary>
/// A real Prometheus server (Debian's <c>prometheus</c>) on a free loopback port, with a config and a TSDB of its own
/// in a temporary directory, so PromQL is evaluated exactly as production evaluates it. Disposing stops the process
/// (by its PID) and deletes the directory.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string SelfJob = "prometheus";

    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(60);

    // A free port is picked, released and handed to Prometheus: another process may take it in between.
    private const int StartAttempts = 3;

    private readonly ChildProcess _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusServer(ChildProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    public Uri Address => _http.BaseAddress!;

    /// <summary>The server's log so far (Prometheus logs to standard error).</summary>
    public string Log => _process.StandardError;

    public static async Task<PrometheusServer> StartAsync(PrometheusServerOptions options, CancellationToken cancellationToken = default)
    {
        var prometheus = ExternalTools.RequireOnPath("prometheus", "prometheus");
        for (var attempt = 1; ; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("streamheal-prometheus-").FullName;
            var port = FreeLoopbackPort();
            var config = Path.Combine(directory, "prometheus.yml");
            await File.WriteAllTextAsync(config, ConfigYaml(options, port), cancellationToken);

            var process = ChildProcess.Start(
                prometheus,
                $"--config.file={config}",
                $"--storage.tsdb.path={Path.Combine(directory, "data")}",
                $"--web.listen-address=127.0.0.1:{port}");
            var server = new PrometheusServer(process, directory, port);
            try
            {
                await Eventually.Until(
                    async () => process.HasExited || await server.IsReadyAsync(cancellationToken),
                    s_readyTimeout,
                    $"Prometheus to answer /-/ready on port {port}",
                    cancellationToken);
                if (!process.HasExited)
                {
                    return server;
                }
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }

            var log = server.Log;
            await server.DisposeAsync();
            if (attempt >= StartAttempts || !log.Contains("address already in use", StringComparison.Ordinal))
            {
                Assert.Fail($"Prometheus exited before it was ready. Its log:\n{log}");
            }
        }
    }

    /// <summary>Evaluates <paramref name="expression"/> at the current time through <c>/api/v1/query</c>.</summary>
    public async Task<PromQlResult> QueryAsync(string expression, CancellationToken cancellationToken = default)
    {
        // POST, not GET: dashboard expressions can be longer than a comfortable URL.
        using var content = new FormUrlEncodedContent([new("query", expression)]);
        using var response = await _http.PostAsync("api/v1/query", content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        using var json = ParseApiAnswer(body, response.StatusCode);
        var root = json.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            return new PromQlResult($"{root.GetProperty("errorType").GetString()}: {root.GetProperty("error").GetString()}", null, default);
        }

        var data = root.GetProperty("data");
        return new PromQlResult(null, data.GetProperty("resultType").GetString(), data.GetProperty("result").Clone());
    }

    /// <summary>Waits until <paramref name="expression"/> returns at least one series, e.g. until a target was scraped.</summary>
    public Task WaitForSeriesAsync(string expression, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Eventually.Until(
            async () =>
            {
                var result = await QueryAsync(expression, cancellationToken);
                Assert.True(result.Succeeded, $"{expression}: {result.Error}");
                return result.SeriesCount > 0;
            },
            timeout,
            $"a series from {expression}",
            cancellationToken);

    /// <summary>Every rule of every loaded rule file, as <c>/api/v1/rules</c> reports it.</summary>
    public async Task<IReadOnlyList<LoadedRule>> GetRulesAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync("api/v1/rules", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        using var json = ParseApiAnswer(body, response.StatusCode);
        Assert.True(json.RootElement.GetProperty("status").GetString() == "success", $"/api/v1/rules answered: {body}");

        var rules = new List<LoadedRule>();
        foreach (var group in json.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray())
        {
            foreach (var rule in group.GetProperty("rules").EnumerateArray())
            {
                rules.Add(new LoadedRule(
                    rule.GetProperty("name").GetString()!,
                    rule.GetProperty("type").GetString()!,
                    rule.GetProperty("query").GetString()!,
                    StringMap(rule, "labels"),
                    StringMap(rule, "annotations"),
                    rule.GetProperty("health").GetString()!,
                    rule.TryGetProperty("lastError", out var error) ? error.GetString() : null));
            }
        }

        return rules;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
        LocalServers.DeleteDirectory(_directory);
    }

    private Task<bool> IsReadyAsync(CancellationToken cancellationToken) => LocalServers.AnswersOkAsync(_http, "-/ready", cancellationToken);

    private static JsonDocument ParseApiAnswer(string body, HttpStatusCode status)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            Assert.Fail($"Prometheus answered {(int)status} with something that is not API JSON: {body}");
            throw;
        }
    }

    private static Dictionary<string, string> StringMap(JsonElement rule, string property) =>
        rule.TryGetProperty(property, out var map)
            ? map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "")
            : [];

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string ConfigYaml(PrometheusServerOptions options, int port)
    {
        // JSON strings are YAML strings: paths and addresses need no further quoting rules.
        static string Quote(string value) => JsonSerializer.Serialize(value);
        var interval = $"{(long)options.ScrapeInterval.TotalMilliseconds}ms";

        var yaml = new StringBuilder();
        yaml.AppendLine("global:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  scrape_interval: {interval}");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  evaluation_interval: {interval}");
        yaml.AppendLine(options.RuleFiles.Count == 0 ? "rule_files: []" : "rule_files:");
        foreach (var ruleFile in options.RuleFiles)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"  - {Quote(ruleFile)}");
        }

        IReadOnlyList<ScrapeTarget> targets = options.ScrapeItself
            ? [new ScrapeTarget(SelfJob, $"127.0.0.1:{port}"), .. options.Targets]
            : options.Targets;
        yaml.AppendLine(targets.Count == 0 ? "scrape_configs: []" : "scrape_configs:");
        foreach (var target in targets)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"  - job_name: {Quote(target.Job)}");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"    metrics_path: {Quote(target.MetricsPath)}");
            yaml.AppendLine("    static_configs:");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      - targets: [{Quote(target.Address)}]");
        }

        return yaml.ToString();
    }
}
