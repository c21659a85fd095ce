using StreamHeal.Sink;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Flow;

namespace StreamHeal.Dev.Demo;

/// <summary>Where the demo writes, and how it reads the table back for the verdict.</summary>
public interface IDemoDestination
{
    /// <summary>A short name for the report (e.g. <c>duckdb</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Topics the sink needs before <see cref="OpenAsync"/> (one partition each), e.g. an exactly-once checkpoint
    /// topic. The runner creates them on its embedded cluster, whose mock has no CreateTopics admin API. Default: none.
    /// </summary>
    IReadOnlyList<string> TopicsFor(string groupId) => [];

    /// <summary>The sink the pipeline writes to; <paramref name="holds"/> is the pipeline's, for sinks that hold tables.</summary>
    ValueTask<ISink> OpenAsync(string bootstrapServers, string groupId, TopicHolds holds, CancellationToken cancellationToken);

    /// <summary>Every row's Kafka position (duplicates included) and the table's columns, after the sink was disposed.</summary>
    ValueTask<(IReadOnlyList<(int Partition, long Offset)> Rows, IReadOnlyList<(string Name, string Type)> Columns)> ReadBackAsync(
        string table, CancellationToken cancellationToken);
}

/// <summary>The demo's default destination: a DuckDB file.</summary>
public sealed class DuckDbDemoDestination(string databasePath) : IDemoDestination
{
    public string Name => "duckdb";

    public ValueTask<ISink> OpenAsync(string bootstrapServers, string groupId, TopicHolds holds, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISink>(new DuckDbSink(new DuckDbSinkOptions { Path = databasePath }, TimeProvider.System));

    public ValueTask<(IReadOnlyList<(int Partition, long Offset)> Rows, IReadOnlyList<(string Name, string Type)> Columns)> ReadBackAsync(
        string table, CancellationToken cancellationToken)
    {
        using var reader = new DuckDbTableReader(databasePath);
        return ValueTask.FromResult<(IReadOnlyList<(int, long)>, IReadOnlyList<(string, string)>)>((reader.ReadPositions(table), reader.ReadColumns(table)));
    }
}
