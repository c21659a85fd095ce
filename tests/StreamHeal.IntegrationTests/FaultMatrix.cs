namespace StreamHeal.IntegrationTests;

/// <summary>
/// The trait of the long fault-matrix tests (fault families, SIGKILL chaos, membership churn). They spend most of their
/// time waiting on session timeouts, restarts and outages rather than on CPU, so <c>./build.sh test</c> runs them in a
/// second test process beside the rest of the suite.
/// </summary>
internal static class FaultMatrix
{
    public const string Trait = "Category";
    public const string Value = "FaultMatrix";
}
