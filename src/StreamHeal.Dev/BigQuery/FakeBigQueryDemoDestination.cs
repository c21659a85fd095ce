using Microsoft.Extensions.Logging;
using StreamHeal.Dev.Demo;
using StreamHeal.Kafka;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Flow;

namespace StreamHeal.Dev.BigQuery;

/// <summary>
/// The demo through the production BigQuery sink, pointed at an in-process <see cref="FakeBigQuery"/> (no auth,
/// the default schema propagation delay). The fake's tables live in memory and go when this is disposed.
/// </summary>
internal sealed class FakeBigQueryDemoDestination : IDemoDestination, IAsyncDisposable
{
    private readonly FakeBigQuery _fake;
    private readonly BigQuerySinkOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private BigQuerySink? _sink;

    private FakeBigQueryDemoDestination(FakeBigQuery fake, BigQuerySinkOptions options, ILoggerFactory loggerFactory)
    {
        _fake = fake;
        _options = options;
        _loggerFactory = loggerFactory;
    }

    public string Name => "bigquery-fake";

    /// <summary><see cref="BigQuerySinkOptions.AtLeastOnce"/> or <see cref="BigQuerySinkOptions.ExactlyOnce"/>.</summary>
    public string Delivery => _options.Delivery;

    /// <summary>The sink's counters; null until <see cref="OpenAsync"/>, still readable after the sink is disposed.</summary>
    public BigQuerySinkStats? Stats => _sink?.Stats;

    /// <param name="delivery"><see cref="BigQuerySinkOptions.AtLeastOnce"/> or <see cref="BigQuerySinkOptions.ExactlyOnce"/>.</param>
    public static async Task<FakeBigQueryDemoDestination> StartAsync(string delivery, ILoggerFactory loggerFactory)
    {
        var fake = await FakeBigQuery.StartAsync();
        return new FakeBigQueryDemoDestination(fake, fake.SinkOptions(delivery), loggerFactory);
    }

    public string TablePath(string table) => _options.TablePath(table);

    // Exactly-once refuses to start without its checkpoint topic, and the sink cannot create it on the mock cluster.
    public IReadOnlyList<string> TopicsFor(string groupId) => _options.IsExactlyOnce ? [_options.CheckpointTopicFor(groupId)] : [];

    public async ValueTask<ISink> OpenAsync(string bootstrapServers, string groupId, TopicHolds holds, CancellationToken cancellationToken)
    {
        var kafka = new KafkaOptions { BootstrapServers = bootstrapServers, GroupId = groupId };
        _sink = await BigQuerySinkFactory.CreateAsync(_options, kafka, holds, TimeProvider.System, _loggerFactory, cancellationToken);
        return _sink;
    }

    public ValueTask<(IReadOnlyList<(int Partition, long Offset)> Rows, IReadOnlyList<(string Name, string Type)> Columns)> ReadBackAsync(
        string table, CancellationToken cancellationToken)
    {
        var path = _options.TablePath(table);
        // A position held twice must reach the verdict twice: that is how it counts duplicates.
        IReadOnlyList<(int, long)> rows =
        [
            .. _fake.Store.CountsByPartitionOffset(path)
                .OrderBy(static c => c.Key)
                .SelectMany(static c => Enumerable.Repeat(((int)c.Key.Partition, c.Key.Offset), c.Value)),
        ];
        // BigQuery's own type names (STRING, INT64, ...), as the REST API shows the table.
        IReadOnlyList<(string, string)> columns =
            _fake.Store.GetTable(path) is { } view ? [.. view.Schema.Fields.Select(static f => (f.Name, f.Type.ToString().ToUpperInvariant()))] : [];
        return ValueTask.FromResult((rows, columns));
    }

    public ValueTask DisposeAsync() => _fake.DisposeAsync();
}
