namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// The <c>streamheal</c> executable as the project reference copies it next to the tests. The host declares the same
/// shared frameworks as this project (ASP.NET Core included), so it starts from here with the framework's assemblies.
/// </summary>
public static class HostExecutable
{
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "streamheal.dll");
}
