using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamHeal.Telemetry;
using StreamHeal.Tables;

namespace StreamHeal.Sink.DuckDb;

/// <summary>
/// Writes batches into an embedded DuckDB file with the Appender, exactly once: rows and each partition's next offset are
/// committed in one transaction (see <see cref="DuckDbBatchWriter"/>), and a replayed row below the stored offset that the
/// table holds is reported as <see cref="RowOutcome.AlreadyWritten"/>. Rows are rejected only when a value cannot be converted to its column
/// (upstream should have quarantined it); a (partition, offset) the table already holds is a <see cref="DuplicateRowException"/>.
/// </summary>
/// <remarks>
/// One connection and one writer lock for every table: DDL and appends on one connection never invalidate each other's
/// transactions, and a single appender already takes most of a core. DuckDB calls are synchronous, so each call runs on the
/// thread pool while holding the lock. The file is opened on first use.
/// </remarks>
public sealed class DuckDbSink : ISink
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DuckDbSinkOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private DuckDBConnection? _connection;
    private DuckDbSchema? _schema;
    private DuckDbBatchWriter? _writer;
    private bool _disposed;
    private volatile bool _closing;

    /// <param name="logger">Where an abandoned close is reported; null discards it.</param>
    public DuckDbSink(DuckDbSinkOptions options, TimeProvider timeProvider, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path, nameof(options));
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>How long closing waits for a DuckDB call in progress: 10 s.</summary>
    public static TimeSpan DisposeTimeout { get; } = TimeSpan.FromSeconds(10);

    public string Name => "duckdb";

    /// <summary>False: one connection serialises every call (<see cref="RunAsync"/>), so tables wait for each other anyway.</summary>
    public bool WritesTablesConcurrently => false;

    public int BatchesInFlightPerTable => 1;

    public string? StatusLine => null;

    /// <summary>The database file, for a <see cref="DuckDbTableReader"/> in the same process.</summary>
    public string Path => _options.Path;

    public ValueTask<IReadOnlyList<TableColumn>> EnsureTableAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        ArgumentNullException.ThrowIfNull(columns);
        return RunAsync((table, columns), static (sink, state, _) => sink._schema!.Ensure(state.table, state.columns).UserColumns, cancellationToken);
    }

    public ValueTask<SinkBatchResult> WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Rows.Count == 0)
        {
            return ValueTask.FromResult(new SinkBatchResult(0));
        }

        return RunAsync(batch, static (sink, batch, token) =>
        {
            var table = sink._schema!.Ensure(batch.Table, batch.Columns);
            return sink._writer!.Write(table, batch, token);
        }, cancellationToken);
    }

    public ValueTask<IReadOnlyDictionary<int, long>> GetResumeOffsetsAsync(string table, string topic, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return RunAsync(
            (table, topic),
            static IReadOnlyDictionary<int, long> (sink, state, _) => DuckDbOffsets.Read(sink._connection!, state.table, state.topic),
            cancellationToken);
    }

    /// <summary>Nothing to do: the offsets live in the file with the rows, and <see cref="GetResumeOffsetsAsync"/> reads them each time.</summary>
    public void PartitionsAssigned(string topic, IReadOnlyList<int> partitions)
    {
    }

    /// <summary>
    /// Closes the file once the call in progress has finished, waiting at most <see cref="DisposeTimeout"/>: a DuckDB call
    /// cannot be interrupted, and one that is stuck must not keep the process from exiting. Its transaction never
    /// committed, so its rows and offsets are not in the file and are redelivered; the file stays open until exit.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        using var bound = new CancellationTokenSource(DisposeTimeout, _timeProvider);
        try
        {
            await _gate.WaitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            // New calls are refused; a later DisposeAsync, once the stuck call has returned, still closes the file.
            _closing = true;
            Log.DisposalAbandoned(_logger, "DuckDB sink", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"a call into DuckDB ({_options.Path}) was still running {DisposeTimeout.TotalSeconds} s after the sink was closed; the file stays open until the process exits"));
            return;
        }

        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_connection is not null)
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
                _connection = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<TResult> RunAsync<TState, TResult>(TState state, Func<DuckDbSink, TState, CancellationToken, TResult> work, CancellationToken cancellationToken)
    {
        // Checked first too: after an abandoned close the gate may stay taken by the stuck call for good.
        ObjectDisposedException.ThrowIf(_closing, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed || _closing, this);
            return await Task.Run(() => Guarded(state, work, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private TResult Guarded<TState, TResult>(TState state, Func<DuckDbSink, TState, CancellationToken, TResult> work, CancellationToken cancellationToken)
    {
        try
        {
            EnsureOpen();
            return work(this, state, cancellationToken);
        }
        catch (DuckDBException ex) when (DuckDbErrors.IsTransient(ex))
        {
            throw DuckDbErrors.Unavailable(_options.Path, ex);
        }
    }

    private void EnsureOpen()
    {
        if (_connection is not null)
        {
            return;
        }

        DuckDBConnection connection;
        try
        {
            connection = DuckDbSql.Open(_options.Path);
        }
        catch (DuckDBException ex)
        {
            // DuckDB reports open failures without an error type. They are the file lock held by another process, a missing
            // directory or a permission: an operator can fix each, and the caller keeps retrying until then.
            throw DuckDbErrors.Unavailable(_options.Path, ex);
        }

        try
        {
            DuckDbSql.Execute(connection, $"SET threads = {_options.Threads}");
            DuckDbSql.Execute(connection, $"SET memory_limit = '{_options.MemoryLimitMb}MiB'");
            var schema = new DuckDbSchema(connection);
            schema.Initialize();
            _schema = schema;
            _writer = new DuckDbBatchWriter(connection, _timeProvider);
            _connection = connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
