namespace StreamHeal.Throughput;

/// <summary>
/// <c>streamheal dev-kafka</c> in a child process, so the brokers' CPU, memory and allocations stay out of the figures
/// the harness measures for itself. Started from the <c>streamheal.dll</c> the host project reference copies here.
/// </summary>
internal sealed class DevKafkaProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ChildProcess _child;

    private DevKafkaProcess(ChildProcess child, string bootstrapServers)
    {
        _child = child;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    public int Id => _child.Id;

    public static async Task<DevKafkaProcess> StartAsync(IEnumerable<(string Name, int Partitions)> topics, CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "dev-kafka" };
        foreach (var (name, partitions) in topics)
        {
            arguments.Add("--topic");
            arguments.Add($"{name}:{partitions}");
        }

        var child = ChildProcess.Start(Path.Combine(AppContext.BaseDirectory, "streamheal.dll"), arguments, "dev-kafka");
        try
        {
            return new DevKafkaProcess(child, await child.ReadLineAsync(StartTimeout, "bootstrap servers", cancellationToken));
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _child.DisposeAsync();
}
