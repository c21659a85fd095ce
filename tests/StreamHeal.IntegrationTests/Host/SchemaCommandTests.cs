using System.Text.Json;
using StreamHeal.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Host;

public sealed class SchemaCommandTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string HostDll = HostExecutable.Dll;

    private readonly string _directory = Directory.CreateTempSubdirectory("streamheal-schema-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Sample(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        var result = await ChildProcess.RunAsync("dotnet", [HostDll, "schema", "check", .. arguments], "", TimeSpan.FromSeconds(60));
        output.WriteLine(result.Stdout);
        output.WriteLine(result.Stderr);
        return result;
    }

    [Fact]
    public async Task A_sample_against_existing_columns_reports_kept_columns_removed_fields_and_the_quarantine_as_json()
    {
        var columns = Sample("columns.json", """[{"name":"app_version","type":"STRING"},{"name":"userId","type":"String"},{"name":"is_premium","type":"Bool"}]""");
        var sample = Sample("event.json", """{"event":"login","UserId":"u7","app_version":412,"is_premium":"true","device":{"model":{"name":"Pixel 8"}},"session_seconds":12}""");

        var (exitCode, stdout, _) = await RunAsync(sample, "--table-columns", columns, "--json");

        Assert.Equal(0, exitCode);
        using var report = JsonDocument.Parse(stdout);
        var root = report.RootElement;
        Assert.True(root.GetProperty("ingested").GetBoolean());
        var kept = root.GetProperty("columns").EnumerateArray().ToDictionary(static c => c.GetProperty("name").GetString()!, static c => c.GetProperty("type").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["event"] = "STRING", ["device__model__name"] = "STRING", ["session_seconds"] = "INT64" }, kept);
        var removed = root.GetProperty("removed").EnumerateArray().Select(static f => (f.GetProperty("name").GetString(), f.GetProperty("reason").GetString())).ToList();
        Assert.Equal([("UserId", "case_collision_with_table"), ("app_version", "type_flip"), ("is_premium", "type_flip")], removed);
        Assert.Equal(3, root.GetProperty("quarantine").GetArrayLength());
    }

    [Fact]
    public async Task The_text_report_names_types_and_reasons_and_options_change_inference()
    {
        var sample = Sample("event.json", """{"session_seconds":12,"created_at":"2024-05-01T10:00:00Z","UserName":"a","username":"b"}""");

        var (exitCode, stdout, _) = await RunAsync(sample, "--number-inference", "float", "--field-type", "created_at=Timestamp");

        Assert.Equal(0, exitCode);
        Assert.Contains("would be ingested", stdout, StringComparison.Ordinal);
        Assert.Matches(@"session_seconds\s+12\s+FLOAT64 \(new\)", stdout);
        Assert.Matches(@"created_at\s+""2024-05-01T10:00:00Z""\s+TIMESTAMP \(new\)", stdout);
        Assert.Matches(@"UserName\s+""a""\s+case_collision_in_event", stdout);
        Assert.Contains("_quarantine: [{\"name\":\"UserName\"", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_the_decoder_refuses_prints_the_dlq_reason_and_exits_1()
    {
        var sample = Sample("broken.json", """{"event":"broken",""");

        var (exitCode, stdout, _) = await RunAsync(sample);

        Assert.Equal(1, exitCode);
        // The DLQ error type and the stage that refused it, whatever the sentence around them.
        Assert.Matches(@"\binvalid_json\b.*\bdecode\b", stdout);
    }

    [Fact]
    public async Task Usage_errors_exit_2()
    {
        var sample = Sample("event.json", """{"a":1}""");
        var badColumns = Sample("columns.json", """[{"name":"a","type":"Int32"}]""");

        Assert.Equal(2, (await RunAsync(Path.Combine(_directory, "missing.json"))).ExitCode);
        Assert.Equal(2, (await RunAsync(sample, "--table-columns", badColumns)).ExitCode);
        Assert.Equal(2, (await RunAsync(sample, "--number-inference", "sometimes")).ExitCode);
        Assert.Equal(2, (await RunAsync(sample, "--field-type", "a")).ExitCode);
        Assert.Equal(2, (await RunAsync()).ExitCode);
    }
}
