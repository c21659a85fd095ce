using System.Globalization;
using StreamHeal.Sink.BigQuery;

namespace StreamHeal.Throughput;

/// <summary>
/// The host's BigQuery fake (Storage Write gRPC and the tables REST API) in a child process: this harness re-invoked
/// with <see cref="FakeBigQueryServer.Switch"/>. In this process it would add its server threads, the decoding of every
/// appended row and a store of millions of decoded rows to the CPU, GC and RSS figures of run (d).
/// </summary>
internal sealed class FakeBigQueryProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CountsTimeout = TimeSpan.FromMinutes(5);

    private readonly ChildProcess _child;

    private FakeBigQueryProcess(ChildProcess child, Uri writeEndpoint, Uri restEndpoint, string projectId, string dataset)
    {
        _child = child;
        WriteEndpoint = writeEndpoint;
        RestEndpoint = restEndpoint;
        ProjectId = projectId;
        Dataset = dataset;
    }

    public Uri WriteEndpoint { get; }

    public Uri RestEndpoint { get; }

    public string ProjectId { get; }

    public string Dataset { get; }

    /// <summary>Write endpoint, REST endpoint, project, dataset and the sink's <see cref="Settings"/>, as <see cref="SinkOptionsFor"/> takes them.</summary>
    public IReadOnlyList<string> Endpoints =>
        [WriteEndpoint.ToString(), RestEndpoint.ToString(), ProjectId, Dataset, .. Settings.ToFields()];

    /// <summary>The tuning settings of the sinks that write to this fake.</summary>
    public BigQueryRunSettings Settings { get; private init; } = BigQueryRunSettings.Shipped;

    /// <summary>The sink's options for this fake, as run (d) uses it: no auth, <see cref="ThroughputHarness.BigQueryDelivery"/>.</summary>
    public BigQuerySinkOptions SinkOptions() => SinkOptionsFor(Endpoints);

    /// <summary>The same for a fake known only by its <see cref="Endpoints"/> (in the backlog check's pipeline child).</summary>
    public static BigQuerySinkOptions SinkOptionsFor(IReadOnlyList<string> endpoints) => BigQueryRunSettings.FromFields(endpoints[4], endpoints[5]).ApplyTo(new()
    {
        WriteEndpoint = new Uri(endpoints[0]),
        RestEndpoint = new Uri(endpoints[1]),
        ProjectId = endpoints[2],
        Dataset = endpoints[3],
        Auth = "none",
        Delivery = ThroughputHarness.BigQueryDelivery,
    });

    public int Id => _child.Id;

    public TimeSpan Cpu => _child.Cpu;

    public long PeakRssBytes => _child.PeakRssBytes;

    /// <param name="settings">The sinks' settings, and the fake's network delay; default <see cref="BigQueryRunSettings.Shipped"/>.</param>
    public static async Task<FakeBigQueryProcess> StartAsync(BigQueryRunSettings? settings, CancellationToken cancellationToken)
    {
        settings ??= BigQueryRunSettings.Shipped;
        var child = ChildProcess.Start(
            typeof(FakeBigQueryProcess).Assembly.Location,
            [FakeBigQueryServer.Switch, settings.FakeNetworkDelayMs.ToString(CultureInfo.InvariantCulture)],
            "the BigQuery fake");
        try
        {
            var line = await child.ReadLineAsync(StartTimeout, "endpoints", cancellationToken);
            var fields = line.Split(' ').Select(static f => f.Split('=', 2)).Where(static f => f.Length == 2).ToDictionary(static f => f[0], static f => f[1]);
            if (!fields.TryGetValue("write", out var write) || !fields.TryGetValue("rest", out var rest)
                || !fields.TryGetValue("project", out var project) || !fields.TryGetValue("dataset", out var dataset))
            {
                throw new InvalidOperationException($"The BigQuery fake announced '{line}'; expected write=URI rest=URI project=P dataset=D.");
            }

            return new FakeBigQueryProcess(child, new Uri(write), new Uri(rest), project, dataset) { Settings = settings };
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    /// <summary>The AppendRows requests the fake has received so far, with their rows and bytes.</summary>
    public async Task<AppendTotals> ReadAppendTotalsAsync(CancellationToken cancellationToken)
    {
        await _child.WriteLineAsync("appends");
        var answer = await _child.ReadLineAsync(CountsTimeout, "append totals", cancellationToken);
        return answer.Split(' ') is ["appends", var requests, var rows, var bytes]
            ? new AppendTotals(
                long.Parse(requests, NumberStyles.None, CultureInfo.InvariantCulture), long.Parse(rows, NumberStyles.None, CultureInfo.InvariantCulture),
                long.Parse(bytes, NumberStyles.None, CultureInfo.InvariantCulture))
            : throw new InvalidOperationException($"The BigQuery fake answered '{answer}' to an appends command.");
    }

    /// <summary>Every (partition, offset) row the fake holds for <paramref name="tablePath"/>, once per row held.</summary>
    public async Task<List<(int Partition, long Offset)>> ReadPositionsAsync(string tablePath, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), $"streamheal-throughput-bigquery-{Environment.ProcessId}.bin");
        try
        {
            await _child.WriteLineAsync($"counts {tablePath} {file}");
            var answer = await _child.ReadLineAsync(CountsTimeout, "row counts", cancellationToken);
            var words = answer.Split(' ');
            if (words is not ["counts", _, var total])
            {
                throw new InvalidOperationException($"The BigQuery fake answered '{answer}' to a counts command.");
            }

            var positions = new List<(int Partition, long Offset)>(int.Parse(total, NumberStyles.None, CultureInfo.InvariantCulture));
            using var reader = new BinaryReader(File.OpenRead(file));
            while (reader.BaseStream.Position < reader.BaseStream.Length)
            {
                var partition = reader.ReadInt32();
                var offset = reader.ReadInt64();
                for (var n = reader.ReadInt32(); n > 0; n--)
                {
                    positions.Add((partition, offset));
                }
            }

            return positions;
        }
        finally
        {
            File.Delete(file);
        }
    }

    public ValueTask DisposeAsync() => _child.DisposeAsync();
}

/// <summary>AppendRows requests, their rows and bytes; subtract two readings for a run's own.</summary>
internal readonly record struct AppendTotals(long Requests, long Rows, long Bytes)
{
    public static AppendTotals operator -(AppendTotals after, AppendTotals before) =>
        new(after.Requests - before.Requests, after.Rows - before.Rows, after.Bytes - before.Bytes);

    public override string ToString() => Requests == 0
        ? "no AppendRows requests"
        : string.Create(CultureInfo.InvariantCulture, $"{Requests:N0} AppendRows requests, {Rows / (double)Requests:N0} rows and {Bytes / (double)Requests / 1e6:N2} MB each on average");
}
