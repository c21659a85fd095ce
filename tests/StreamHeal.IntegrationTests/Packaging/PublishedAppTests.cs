using StreamHeal.TestSupport;
using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using StreamHeal.IntegrationTests.Kafka;
using StreamHeal.IntegrationTests.Pipeline;
using StreamHeal.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Packaging;

/// <summary>
/// What the image holds, without a container engine: the Dockerfile's own <c>dotnet publish</c> (for linux-x64, as
/// <c>docker build</c> on an amd64 machine runs it), started the way the image starts it — from a folder holding
/// only the published files, with the image's ENV, as the image's non-root user when the tests run as root — against
/// the mock Kafka cluster.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed partial class PublishedAppTests(KafkaClusterFixture kafka, ITestOutputHelper output)
{
    // What `docker build` on an amd64 machine passes as TARGETARCH (the SDK takes it for x64).
    private const string TargetArch = "amd64";
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task The_dockerfiles_publish_output_starts_alone_as_non_root_ingests_and_answers_probes_on_every_interface()
    {
        var dockerfile = Dockerfile.Load(RepositoryRoot.Combine("Dockerfile"));
        var root = Directory.CreateTempSubdirectory("streamheal-image-").FullName;
        try
        {
            var app = Path.Combine(root, "app");
            var publishTime = await PublishAsync(dockerfile, app);
            var files = Directory.GetFiles(app, "*", SearchOption.AllDirectories);
            var megabytes = files.Sum(static f => new FileInfo(f).Length) / 1_048_576.0;
            output.WriteLine($"published {files.Length} files, {megabytes:0} MiB, in {publishTime.TotalSeconds:0} s");

            // The native libraries StreamHeal loads are in the output, not found on the machine.
            Assert.True(File.Exists(Path.Combine(app, "libduckdb.so")), "libduckdb.so is not in the published output");
            Assert.True(File.Exists(Path.Combine(app, "centos8-librdkafka.so")), "librdkafka (centos8-librdkafka.so, the one without libsasl2) is not in the published output");

            var user = NonRootUser(dockerfile);
            // The image's user may read and run the app but not write it (a read-only root filesystem); it owns /data.
            await user.RunAsync("chmod", "755", root);
            var entrypoint = Path.Combine(app, dockerfile.FinalExecForm("ENTRYPOINT").Single());

            var help = Stopwatch.StartNew();
            var (helpExit, helpOut, helpErr) = await ChildProcess.RunAsync(
                user.Command ?? entrypoint, [.. user.Prefix(entrypoint), "--help"], "", TimeSpan.FromSeconds(60), app, Environment(dockerfile, app, root, []));
            help.Stop();
            output.WriteLine($"--help: {help.ElapsedMilliseconds} ms");
            Assert.True(helpExit == 0, $"--help exited {helpExit}: {helpErr}");
            Assert.Contains("run", helpOut, StringComparison.Ordinal);
            Assert.Contains("demo", helpOut, StringComparison.Ordinal);

            await RunAgainstTheMockClusterAsync(dockerfile, app, user, entrypoint);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private async Task RunAgainstTheMockClusterAsync(Dockerfile dockerfile, string app, RunAs user, string entrypoint)
    {
        await using var scenario = new PipelineScenario(kafka, output, "packaged", partitions: 2);
        var produced = await scenario.ProduceAsync(2_000, seed: 15);
        // The DuckDB file goes where the scenario reads it back; that folder is the image's /data here.
        await user.RunAsync("chown", "-R", $"{user.Uid}:{user.Uid}", scenario.Directory);
        var port = FreePort();
        var environment = Environment(dockerfile, app, scenario.Directory, new Dictionary<string, string?>
        {
            ["STREAMHEAL__KAFKA__BOOTSTRAPSERVERS"] = scenario.BootstrapServers,
            ["STREAMHEAL__KAFKA__GROUPID"] = scenario.Group,
            ["STREAMHEAL__KAFKA__TOPICS__0"] = scenario.Topic,
            ["STREAMHEAL__KAFKA__SESSIONTIMEOUTMS"] = KafkaTestSettings.SessionTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["STREAMHEAL__SINK__DUCKDB__PATH"] = scenario.DatabasePath,
            ["STREAMHEAL__DECODE__MAXPAYLOADBYTES"] = "65536",
            ["STREAMHEAL__HEALTH__PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["STREAMHEAL__HEALTH__STATUSINTERVALSECONDS"] = "1",
        });
        var started = Stopwatch.StartNew();
        await using var child = ChildProcess.Start(user.Command ?? entrypoint, [.. user.Prefix(entrypoint), .. dockerfile.FinalExecForm("CMD")], app, environment);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        // A probe from outside the pod names the pod, not the loopback.
        http.DefaultRequestHeaders.Host = $"streamheal-0:{port}";
        await Eventually.Until(() => ReadyAsync(http, child), TimeSpan.FromSeconds(60), "/health/ready answering 200");
        output.WriteLine($"run: ready {started.ElapsedMilliseconds} ms after start");
        // The process itself (setpriv execs it) runs as the image's user, real and effective.
        var uids = File.ReadAllLines($"/proc/{child.Id}/status").Single(static l => l.StartsWith("Uid:", StringComparison.Ordinal));
        Assert.Equal(user.Command is null ? [geteuid().ToString(System.Globalization.CultureInfo.InvariantCulture)] : [user.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture)], uids.Split('\t', StringSplitOptions.RemoveEmptyEntries).Skip(1).Distinct());
        Assert.NotEqual("0", uids.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1]);
        await scenario.WaitForCommittedEndAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
        using var ready = JsonDocument.Parse(await http.GetStringAsync(new Uri("/health/ready", UriKind.Relative)));
        Assert.False(ready.RootElement.GetProperty("degraded").GetBoolean());
        Assert.Equal(produced.Length, ready.RootElement.GetProperty("sunk").GetInt64() + ready.RootElement.GetProperty("dead_lettered").GetInt64());
        Assert.Contains("Health endpoint listening on http://0.0.0.0:", child.StandardOutput, StringComparison.Ordinal);
        // Reached on this machine's own address too, as a kubelet reaches the pod's.
        foreach (var address in OwnAddresses())
        {
            using var external = new HttpClient { BaseAddress = new Uri($"http://{address}:{port}") };
            Assert.Equal(HttpStatusCode.OK, (await external.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode);
        }

        if (MetricsEndpointInSource())
        {
            var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            Assert.Contains("streamheal_", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        child.Terminate();
        Assert.Equal(0, await child.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain("Unhandled exception", child.StandardError + child.StandardOutput, StringComparison.Ordinal);
        PipelineScenario.AssertOk(await scenario.VerifyAsync(produced));
    }

    /// <summary>Runs the Dockerfile's publish, for linux-x64, into <paramref name="outputDirectory"/> in place of the image's folder.</summary>
    private static async Task<TimeSpan> PublishAsync(Dockerfile dockerfile, string outputDirectory)
    {
        var (stage, words) = dockerfile.PublishCommand();
        // The build stage copies the whole context into its WORKDIR, so the command runs from the repository root.
        Assert.Contains(dockerfile.In(stage, "COPY"), static c => c.Arguments == ". .");
        var imageFolder = words[Array.IndexOf(words, "-o") + 1];
        Assert.Contains(dockerfile.In(dockerfile.FinalStage, "COPY"), c => c.Arguments == $"--from={stage} {imageFolder} .");

        var arguments = words.Skip(1)
            .Select(w => w == imageFolder ? outputDirectory : w.Replace("${TARGETARCH}", TargetArch, StringComparison.Ordinal).Replace("$TARGETARCH", TargetArch, StringComparison.Ordinal))
            .Append("-nodeReuse:false") // no MSBuild node outlives the test
            .ToArray();
        Assert.Equal("dotnet", words[0]);
        Assert.DoesNotContain(arguments, static a => a.Contains('$', StringComparison.Ordinal));
        var watch = Stopwatch.StartNew();
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync("dotnet", arguments, "", PublishTimeout, RepositoryRoot.Path);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} exited {exitCode}:\n{stdout}\n{stderr}");
        return watch.Elapsed;
    }

    /// <summary>
    /// The image's ENV, its folders mapped to the test's (<c>/app</c> → the published files, <c>/data</c> → a
    /// folder the user owns), then <paramref name="overrides"/>.
    /// </summary>
    private static Dictionary<string, string?> Environment(Dockerfile dockerfile, string app, string data, Dictionary<string, string?> overrides)
    {
        var workdir = dockerfile.Final("WORKDIR");
        var volume = dockerfile.FinalExecForm("VOLUME").Single();
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in dockerfile.FinalEnvironment())
        {
            environment[name] = name == "PATH"
                ? app + ":" + System.Environment.GetEnvironmentVariable("PATH")
                : value.StartsWith(volume + "/", StringComparison.Ordinal) ? data + value[volume.Length..] : value;
        }

        Assert.StartsWith(workdir + ":", dockerfile.FinalEnvironment()["PATH"], StringComparison.Ordinal);
        environment["HOME"] = data;
        foreach (var (name, value) in overrides)
        {
            environment[name] = value;
        }

        return environment;
    }

    private static async Task<bool> ReadyAsync(HttpClient http, ChildProcess child)
    {
        Assert.False(child.HasExited, $"streamheal run exited early: {child.StandardOutput}\n{child.StandardError}");
        try
        {
            return (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether the service maps a <c>/metrics</c> route (it is being added on the health listener); until then the
    /// scrape is not asserted.
    /// </summary>
    private static bool MetricsEndpointInSource() =>
        Directory.GetFiles(RepositoryRoot.Combine("src"), "*.cs", SearchOption.AllDirectories)
            .Any(static f => MetricsRoute().IsMatch(File.ReadAllText(f)));

    /// <summary>As root, runs the app as the image's user with <c>setpriv</c>; otherwise as the current (non-root) user.</summary>
    private static RunAs NonRootUser(Dockerfile dockerfile)
    {
        var uid = int.Parse(dockerfile.Final("USER"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(0, uid);
        return geteuid() == 0 ? new RunAs(ExternalTools.RequireOnPath("setpriv", "util-linux"), uid) : new RunAs(null, uid);
    }

    private sealed record RunAs(string? Command, int Uid)
    {
        public IEnumerable<string> Prefix(string entrypoint) =>
            Command is null ? [] : [$"--reuid={Uid}", $"--regid={Uid}", "--clear-groups", "--", entrypoint];

        /// <summary>Runs a file-permission command (chmod, chown) that the user needs only when the test runs as root.</summary>
        public async Task RunAsync(string tool, params string[] arguments)
        {
            if (Command is not null)
            {
                var (exitCode, _, stderr) = await ChildProcess.RunAsync(tool, arguments, "", TimeSpan.FromSeconds(30));
                Assert.True(exitCode == 0, $"{tool} {string.Join(' ', arguments)}: {stderr}");
            }
        }
    }

    /// <summary>The IPv4 addresses of this machine's interfaces that are up, loopback excluded.</summary>
    private static IEnumerable<IPAddress> OwnAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(static n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(static n => n.GetIPProperties().UnicastAddresses)
            .Select(static a => a.Address)
            .Where(static a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [GeneratedRegex("\"/metrics\"")]
    private static partial Regex MetricsRoute();
}
