using Xunit;

namespace StreamHeal.IntegrationTests.Perf;

/// <summary>Where the perf projects, built by this test project's non-referencing project references, keep their dll.</summary>
internal static class PerfProgram
{
    public static string Dll(string project)
    {
        // Same configuration and target framework as this assembly: bin/{configuration}/{tfm}/.
        var here = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var repository = here.FullName;
        while (!File.Exists(Path.Combine(repository, "StreamHeal.sln")))
        {
            repository = Path.GetDirectoryName(repository)
                ?? throw new InvalidOperationException($"No StreamHeal.sln above {AppContext.BaseDirectory}.");
        }

        var dll = Path.Combine(repository, "perf", project, "bin", here.Parent!.Name, here.Name, project + ".dll");
        Assert.True(File.Exists(dll), $"{project} is not built at {dll}.");
        return dll;
    }
}
