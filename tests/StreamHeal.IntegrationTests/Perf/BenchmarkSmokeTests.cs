using StreamHeal.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Perf;

/// <summary>
/// Every per-stage benchmark runs once (BenchmarkDotNet's dry job, in process) and finishes without an issue, so a
/// change that breaks a benchmark shows up in the suite rather than at the next measurement. No numbers are checked.
/// </summary>
[Collection(PerfCollection.Name)]
public sealed class BenchmarkSmokeTests(ITestOutputHelper output)
{
    private static readonly string[] Classes =
    [
        "JsonDecodeBenchmarks", "AvroDecodeBenchmarks", "FlattenBenchmarks", "CompatFilterBenchmarks", "HotPathBenchmarks",
        "BigQueryEncodeBenchmarks", "DuckDbAppendBenchmarks", "OffsetTrackerBenchmarks",
    ];

    [Fact]
    public async Task Every_stage_benchmark_runs_once_without_an_issue()
    {
        var artifacts = Directory.CreateTempSubdirectory("streamheal-bdn-").FullName;
        try
        {
            var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(
                "dotnet", [PerfProgram.Dll("StreamHeal.Benchmarks"), "--filter", "*", "--job", "dry", "--inProcess", "--artifacts", artifacts], "", TimeSpan.FromMinutes(5));
            output.WriteLine(stdout + stderr);

            Assert.Equal(0, exitCode);
            Assert.All(Classes, c => Assert.Contains($"// Benchmark: {c}.", stdout, StringComparison.Ordinal));
            Assert.DoesNotContain("Benchmarks with issues", stdout, StringComparison.Ordinal);
            Assert.Contains("Global total time", stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(artifacts, recursive: true);
        }
    }
}
