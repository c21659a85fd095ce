using Confluent.SchemaRegistry;
using StreamHeal.IntegrationTests.SchemaRegistry;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.SchemaRegistry;
using Xunit;

namespace StreamHeal.IntegrationTests.Host;

/// <summary>Runs <c>streamheal dev-registry</c> as a real child process and uses it through our own client.</summary>
public sealed class DevRegistryCommandTests
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Registers_and_fetches_a_schema_then_stops_on_sigterm()
    {
        await using var devRegistry = StartDevRegistry();
        var url = await devRegistry.FirstLineAsync(s_startTimeout);
        Assert.StartsWith("http://127.0.0.1:", url, StringComparison.Ordinal);

        using (var client = SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = url, RequestTimeout = TimeSpan.FromSeconds(5) }))
        {
            var id = await client.RegisterAvroAsync("orders-value", AvroSchemas.OrderV1);
            var fetched = await client.GetSchemaByIdAsync(id);
            var latest = await client.LatestAsync("orders-value");

            Assert.Equal((AvroSchemas.OrderV1, SchemaType.Avro), (fetched.SchemaString, fetched.SchemaType));
            Assert.Equal((id, 1), (latest.Id, latest.Version));
        }

        devRegistry.Terminate();
        Assert.Equal(0, await devRegistry.WaitForExitAsync(s_stopTimeout));
        Assert.EndsWith("schema registry stopped", devRegistry.StandardOutput, StringComparison.Ordinal);
        // Kestrel's own console logging stays off: the URL line is all a script has to skip.
        Assert.DoesNotContain("Now listening", devRegistry.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_out_of_range_exits_with_code_2()
    {
        await using var devRegistry = StartDevRegistry("--port", "70000");

        Assert.Equal(2, await devRegistry.WaitForExitAsync(s_startTimeout));
        Assert.Contains("--port", devRegistry.StandardError, StringComparison.Ordinal);
    }

    private static ChildProcess StartDevRegistry(params string[] arguments)
    {
        var hostDll = HostExecutable.Dll;
        Assert.True(File.Exists(hostDll), $"streamheal.dll not found at {hostDll}.");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return ChildProcess.Start(dotnet, [hostDll, "dev-registry", .. arguments]);
    }
}
