using Xunit;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// Real third-party clients the tests drive. They are required, never skipped: CI installs them, and a missing
/// tool fails the test with the command that installs it.
/// </summary>
public static class ExternalTools
{
    /// <summary>Debian's interpreter: the python3 first on PATH may be a separate install without confluent_kafka.</summary>
    public const string DebianPython = "/usr/bin/python3";

    public static string RequireKcat()
    {
        var kcat = FindOnPath("kcat");
        if (kcat is null)
        {
            Assert.Fail("kcat is not installed (not found on PATH). Install it: apt-get install -y kcat");
        }

        return kcat;
    }

    public static async Task<string> RequirePythonConfluentKafkaAsync()
    {
        if (!File.Exists(DebianPython))
        {
            Assert.Fail($"{DebianPython} is missing. Install it: apt-get install -y python3 python3-confluent-kafka");
        }

        var (exitCode, _, stderr) = await ChildProcess.RunAsync(DebianPython, ["-c", "import confluent_kafka"], "", TimeSpan.FromSeconds(30));
        if (exitCode != 0)
        {
            Assert.Fail($"{DebianPython} cannot import confluent_kafka ({stderr.Trim()}). Install it: apt-get install -y python3-confluent-kafka");
        }

        return DebianPython;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
