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

    public static string RequireKcat() => RequireOnPath("kcat", "kcat");

    /// <summary>The full path of <paramref name="tool"/>; fails the test naming the Debian package that brings it.</summary>
    public static string RequireOnPath(string tool, string debianPackage)
    {
        var path = FindOnPath(tool);
        if (path is null)
        {
            Assert.Fail($"{tool} is not installed (not found on PATH). Install it: apt-get install -y {debianPackage}");
        }

        return path;
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
