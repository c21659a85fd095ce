using Grpc.Core;
using Microsoft.Extensions.Logging;
using StreamHeal.Sink.BigQuery.Protos;
using StreamHeal.Telemetry;
using StreamHeal.Flow;

namespace StreamHeal.Sink.BigQuery;

/// <summary>
/// The column-visibility gate of one table: new columns are used only once BigQuery reports them on the table's write
/// streams, and meanwhile the table is held (its topic paused). Owns the table's current row layout and encoder, which
/// only grow: concurrent batches of a table may carry older column sets than the last one, and each of those is a
/// prefix of it. Thread-safe: the table's writer may write several batches at once.
/// </summary>
internal sealed class ColumnGate(
    string table,
    string tablePath,
    BigQuerySinkOptions options,
    BigQueryWriteClient client,
    TopicHolds holds,
    BigQuerySinkStats stats,
    TimeProvider timeProvider,
    ILogger logger,
    Func<IEnumerable<StreamAppender>> appenders)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _awaited = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _switch = new(1, 1);
    // Batches written at once may all wait for columns; the table counts as held once, while any of them waits.
    private int _waiting;
    private volatile BigQueryRowEncoder? _encoder;

    public BigQueryRowLayout Layout => Encoder.Layout;

    /// <summary>The encoder of the current layout (<see cref="BigQueryRowEncoder.Layout"/>): read it once per encoding, so rows and layout agree.</summary>
    public BigQueryRowEncoder Encoder => _encoder ?? throw new InvalidOperationException("No batch has set the columns yet.");

    /// <summary>Columns were just added: rows using them are held until the write streams report them.</summary>
    public void AwaitColumns(IReadOnlyList<string> columns)
    {
        lock (_gate)
        {
            _awaited.UnionWith(columns);
        }
    }

    /// <summary>Switches to the batch's columns unless the layout already covers them, waiting first for those just added that the batch uses.</summary>
    public async Task UseColumnsAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        if (Covers(batch))
        {
            return;
        }

        await _switch.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!Covers(batch))
            {
                await SwitchAsync(batch, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _switch.Release();
        }
    }

    private bool Covers(SinkBatch batch) => _encoder is { } encoder && encoder.Layout.Fields.Count >= batch.Columns.Count + BigQueryRowLayout.ReservedCount;

    private async Task SwitchAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        string[] awaited;
        lock (_gate)
        {
            awaited = [.. _awaited];
        }

        if (Array.Exists(awaited, name => batch.Columns.Any(column => string.Equals(column.Name, name, StringComparison.OrdinalIgnoreCase))))
        {
            await WaitForColumnsAsync(batch.Topic, awaited, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _awaited.ExceptWith(awaited);
            }
        }

        _encoder = new BigQueryRowEncoder(new BigQueryRowLayout(batch.Columns));
    }

    /// <summary>
    /// Holds this table (and pauses its topic) until a write stream reports every one of <paramref name="columns"/>,
    /// either in an append response (<c>updated_schema</c>) or in the stream's FULL view, polled at
    /// <c>schemaPollInterval</c>. BigQuery can take minutes; other tables are written meanwhile.
    /// </summary>
    public async Task WaitForColumnsAsync(string topic, IReadOnlyList<string> columns, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        holds.Hold(topic);
        if (Interlocked.Increment(ref _waiting) == 1)
        {
            stats.AdjustHeldTables(1);
            Log.BigQueryHoldingForSchema(logger, table, string.Join(", ", columns));
        }

        try
        {
            while (!ReportedByAStream(columns))
            {
                try
                {
                    var stream = await client.GetWriteStreamAsync(BigQueryWriteClient.DefaultStream(tablePath), cancellationToken).ConfigureAwait(false);
                    if (stream.TableSchema is { } schema && HasColumns(schema, columns))
                    {
                        break;
                    }
                }
                catch (RpcException e) when (SinkErrors.IsTransient(SinkErrors.Classify(e)))
                {
                    // Asked again at the next interval.
                }

                await Task.Delay(options.SchemaPollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            holds.Release(topic);
            if (Interlocked.Decrement(ref _waiting) == 0)
            {
                stats.AdjustHeldTables(-1);
            }
        }

        Log.BigQuerySchemaVisible(logger, table, timeProvider.GetElapsedTime(started).TotalSeconds);
    }

    private bool ReportedByAStream(IReadOnlyList<string> columns)
    {
        foreach (var appender in appenders())
        {
            if (appender.UpdatedSchema is { } schema && HasColumns(schema, columns))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasColumns(TableSchema schema, IReadOnlyList<string> columns)
    {
        foreach (var column in columns)
        {
            if (!schema.Fields.Any(field => string.Equals(field.Name, column, StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }
        }

        return true;
    }
}
