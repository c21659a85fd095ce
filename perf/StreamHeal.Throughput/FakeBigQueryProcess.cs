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

    /// <summary>Write endpoint, REST endpoint, project, dataset and the sink's batches in flight per table, as <see cref="SinkOptionsFor"/> takes them.</summary>
    public IReadOnlyList<string> Endpoints =>
        [WriteEndpoint.ToString(), RestEndpoint.ToString(), ProjectId, Dataset, BatchesInFlightPerTable.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    /// <summary><c>sink.bigquery.batchesInFlightPerTable</c> of the sinks that write to this fake.</summary>
    public int BatchesInFlightPerTable { get; set; } = new BigQuerySinkOptions().BatchesInFlightPerTable;

    /// <summary>The sink's options for this fake, as run (d) uses it: no auth, <see cref="ThroughputHarness.BigQueryDelivery"/>.</summary>
    public BigQuerySinkOptions SinkOptions() => SinkOptionsFor(Endpoints);

    /// <summary>The same for a fake known only by its <see cref="Endpoints"/> (in the backlog check's pipeline child).</summary>
    public static BigQuerySinkOptions SinkOptionsFor(IReadOnlyList<string> endpoints) => new()
    {
        WriteEndpoint = new Uri(endpoints[0]),
        RestEndpoint = new Uri(endpoints[1]),
        ProjectId = endpoints[2],
        Dataset = endpoints[3],
        Auth = "none",
        Delivery = ThroughputHarness.BigQueryDelivery,
        BatchesInFlightPerTable = int.Parse(endpoints[4], System.Globalization.CultureInfo.InvariantCulture),
    };

    public int Id => _child.Id;

    public TimeSpan Cpu => _child.Cpu;

    public long PeakRssBytes => _child.PeakRssBytes;

    public static async Task<FakeBigQueryProcess> StartAsync(CancellationToken cancellationToken)
    {
        var child = ChildProcess.Start(typeof(FakeBigQueryProcess).Assembly.Location, [FakeBigQueryServer.Switch], "the BigQuery fake");
        try
        {
            var line = await child.ReadLineAsync(StartTimeout, "endpoints", cancellationToken);
            var fields = line.Split(' ').Select(static f => f.Split('=', 2)).Where(static f => f.Length == 2).ToDictionary(static f => f[0], static f => f[1]);
            if (!fields.TryGetValue("write", out var write) || !fields.TryGetValue("rest", out var rest)
                || !fields.TryGetValue("project", out var project) || !fields.TryGetValue("dataset", out var dataset))
            {
                throw new InvalidOperationException($"The BigQuery fake announced '{line}'; expected write=URI rest=URI project=P dataset=D.");
            }

            return new FakeBigQueryProcess(child, new Uri(write), new Uri(rest), project, dataset);
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
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
