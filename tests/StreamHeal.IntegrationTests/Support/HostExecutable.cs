namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// The <c>streamheal</c> executable as built, with every assembly it ships: a copy of the host project's output in
/// <c>host/</c> next to the tests (see the project file for why the copy beside the tests cannot start).
/// </summary>
public static class HostExecutable
{
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "host", "streamheal.dll");
}
