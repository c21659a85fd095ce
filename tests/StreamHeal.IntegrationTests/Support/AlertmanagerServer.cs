using StreamHeal.TestSupport;
using System.Text.Json;
using Xunit;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// A real Alertmanager (Debian's <c>prometheus-alertmanager</c>) on a free loopback port with one receiver that sends
/// nothing, gossip off, and its own data directory; disposing stops it by PID and deletes the directory.
/// </summary>
public sealed class AlertmanagerServer : IAsyncDisposable
{
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(30);

    private readonly ChildProcess _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private AlertmanagerServer(ChildProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address => _http.BaseAddress!;

    public static async Task<AlertmanagerServer> StartAsync()
    {
        var executable = ExternalTools.RequireOnPath("prometheus-alertmanager", "prometheus-alertmanager");
        var directory = Directory.CreateTempSubdirectory("streamheal-alertmanager-").FullName;
        var config = Path.Combine(directory, "alertmanager.yml");
        await File.WriteAllTextAsync(config, "route:\n  receiver: none\nreceivers:\n  - name: none\n");
        var port = LoopbackPorts.Free();
        var process = ChildProcess.Start(
            executable,
            $"--config.file={config}",
            $"--storage.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=");
        var server = new AlertmanagerServer(process, directory, port);
        try
        {
            await Eventually.Until(
                async () =>
                {
                    Assert.False(process.HasExited, $"Alertmanager exited: {process.StandardError}");
                    return await server.IsReadyAsync();
                },
                s_readyTimeout,
                $"Alertmanager to answer /-/ready on port {port}");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The alerts <c>GET /api/v2/alerts</c> returns (active ones; resolved alerts are left out), as their label sets.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> ActiveAlertsAsync()
    {
        var body = await _http.GetStringAsync("api/v2/alerts");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.EnumerateArray()
            .Select(static alert => (IReadOnlyDictionary<string, string>)alert.GetProperty("labels").EnumerateObject().ToDictionary(static l => l.Name, static l => l.Value.GetString() ?? ""))
            .ToList();
    }

    private Task<bool> IsReadyAsync() => LocalServers.AnswersOkAsync(_http, "-/ready");

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
        LocalServers.DeleteDirectory(_directory);
    }
}
