using System.Text.Json.Nodes;
using StreamHeal.Host.Commands;
using StreamHeal.Hosting;
using StreamHeal.IntegrationTests.Support;
using Xunit;

namespace StreamHeal.IntegrationTests.Packaging;

/// <summary>The image's contract with the service and the orchestrators, read from the Dockerfile (no build needed).</summary>
public sealed class DockerfileTests
{
    private readonly Dockerfile _dockerfile = Dockerfile.Load(RepositoryRoot.Combine("Dockerfile"));

    [Fact]
    public void The_image_runs_streamheal_as_non_root_on_chiseled_runtime_deps_and_listens_on_every_interface()
    {
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:10.0-", _dockerfile.In(_dockerfile.FinalStage, "FROM").Single().Arguments, StringComparison.Ordinal);
        Assert.Contains("-chiseled", _dockerfile.In(_dockerfile.FinalStage, "FROM").Single().Arguments, StringComparison.Ordinal);
        // Numeric, so that Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
        Assert.True(int.Parse(_dockerfile.Final("USER"), System.Globalization.CultureInfo.InvariantCulture) > 0);

        Assert.Equal([typeof(RunCommand).Assembly.GetName().Name!], _dockerfile.FinalExecForm("ENTRYPOINT"));
        Assert.Equal(["run"], _dockerfile.FinalExecForm("CMD"));
        Assert.Equal(new HealthOptions().Port.ToString(System.Globalization.CultureInfo.InvariantCulture), _dockerfile.Final("EXPOSE"));

        var environment = _dockerfile.FinalEnvironment();
        Assert.Equal("0.0.0.0", environment["STREAMHEAL__HEALTH__BINDADDRESS"]);
        Assert.Equal("1", environment["DOTNET_gcServer"]);
        // Everything the service writes lives under the volume, so the root filesystem can be read-only.
        var volume = _dockerfile.FinalExecForm("VOLUME").Single();
        Assert.StartsWith(volume + "/", environment["STREAMHEAL__SINK__DUCKDB__PATH"], StringComparison.Ordinal);
        Assert.StartsWith(volume + "/", environment["STREAMHEAL__SCHEMASTATE__DIRECTORY"], StringComparison.Ordinal);
        // A new named volume takes the owner of the image's folder: it must be the app user's.
        var user = _dockerfile.Final("USER");
        Assert.Contains(_dockerfile.In(_dockerfile.FinalStage, "COPY"), c => c.Arguments.Contains($"--chown={user}:{user} ", StringComparison.Ordinal) && c.Arguments.EndsWith(" " + volume, StringComparison.Ordinal));
    }

    [Fact]
    public void The_shipped_executable_keeps_idle_thread_pool_workers_from_spinning_wherever_it_runs()
    {
        // In the executable's runtimeconfig, not the image's environment: a spin on 2 cores costs the pipeline CPU
        // outside the container too.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "streamheal.runtimeconfig.json")))!;
        Assert.Equal(0, config["runtimeOptions"]!["configProperties"]!["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]!.GetValue<int>());
    }

    [Fact]
    public void The_publish_is_self_contained_for_the_target_architecture_and_its_packages_ship_both_linux_natives()
    {
        var (stage, publish) = _dockerfile.PublishCommand();
        Assert.Contains("--self-contained", publish);
        Assert.Equal("$TARGETARCH", publish[Array.IndexOf(publish, "-a") + 1]);
        Assert.Contains("--platform=$BUILDPLATFORM", _dockerfile.In(stage, "FROM").Single().Arguments, StringComparison.Ordinal);

        // A RID-specific publish copies runtimes/<rid>/native of each package: both architectures must be there, as
        // glibc builds that need nothing beyond the chiseled image (on x64, librdkafka.so needs libsasl2 and
        // Confluent.Kafka falls back to centos8-librdkafka.so).
        var libraries = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("src", "StreamHeal", "obj", "project.assets.json")))!["libraries"]!.AsObject();
        string[] Files(string package) =>
            [.. libraries.Single(kv => kv.Key.StartsWith(package + "/", StringComparison.OrdinalIgnoreCase)).Value!["files"]!.AsArray().Select(static f => (string)f!)];
        Assert.Contains("runtimes/linux-x64/native/centos8-librdkafka.so", Files("librdkafka.redist"));
        Assert.Contains("runtimes/linux-arm64/native/librdkafka.so", Files("librdkafka.redist"));
        Assert.Contains("runtimes/linux-x64/native/libduckdb.so", Files("DuckDB.NET.Bindings.Full"));
        Assert.Contains("runtimes/linux-arm64/native/libduckdb.so", Files("DuckDB.NET.Bindings.Full"));
    }

    [Fact]
    public void The_build_context_keeps_the_sources_and_build_settings_and_leaves_tests_perf_and_outputs_out()
    {
        var ignored = File.ReadAllLines(RepositoryRoot.Combine(".dockerignore"))
            .Select(static l => l.Trim()).Where(static l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(["**/bin/", "**/obj/", "tests/", "perf/", ".git/", "TestResults/"], StringComparer.Ordinal), ignored);
        // What the publish needs: the sources, the SDK pin, the shared build settings and the code-style rules.
        Assert.DoesNotContain(ignored, static l => l is "src/" or "src" or "global.json" or "Directory.Build.props" or "Directory.Packages.props" or ".editorconfig" or "*" or "**");
    }
}
