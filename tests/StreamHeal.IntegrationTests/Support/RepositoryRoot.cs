namespace StreamHeal.IntegrationTests.Support;

/// <summary>The checkout the tests were built from: files the tests check (deploy/, grafana/, README.md) live there.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(System.IO.Path.Combine(directory, "StreamHeal.sln")))
        {
            directory = System.IO.Path.GetDirectoryName(System.IO.Path.TrimEndingDirectorySeparator(directory))
                ?? throw new InvalidOperationException($"No StreamHeal.sln above {AppContext.BaseDirectory}.");
        }

        return directory;
    }
}
