using Confluent.SchemaRegistry;
using StreamHeal.SchemaRegistry;

namespace StreamHeal.IntegrationTests.SchemaRegistry;

internal static class RegistryReads
{
    /// <summary>
    /// The subject's newest version as the registry has it now. Confluent's <c>GetLatestSchemaAsync</c> keeps the first
    /// answer for good (latest.cache.ttl.secs -1), so a test that watches a subject grow reads the version list instead.
    /// </summary>
    public static async Task<RegisteredSchema> LatestAsync(this ISchemaRegistryClient client, string subject)
    {
        var versions = await client.GetVersionsAsync(subject);
        return await client.GetVersionAsync(subject, versions[^1]);
    }
}
