using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace StreamHeal.Sink.DuckDb;

/// <summary>Classifies DuckDB failures once, in one switch, for the sink's retry-or-stop decision.</summary>
internal static class DuckDbErrors
{
    /// <summary>
    /// True for failures that may go away (the file is locked by another process, a disk or IO hiccup, memory pressure, an
    /// interrupted query): the caller retries the same batch. Constraint violations are handled by the writer as
    /// <see cref="DuplicateRowException"/>; everything else, including DuckDB's <c>Fatal</c> (the database instance is
    /// invalidated and only a restart helps), is a bug or an unrecoverable state.
    /// </summary>
    public static bool IsTransient(DuckDBException exception) => exception.ErrorType switch
    {
        DuckDBErrorType.Io
            or DuckDBErrorType.Interrupt
            or DuckDBErrorType.Transaction
            or DuckDBErrorType.Connection
            or DuckDBErrorType.Network
            or DuckDBErrorType.OutOfMemory
            or DuckDBErrorType.Permission => true,
        _ => false,
    };

    public static SinkUnavailableException Unavailable(string path, DuckDBException exception) =>
        new($"DuckDB file '{path}' is unavailable ({exception.ErrorType}): {exception.Message} The batch will be retried; "
            + "if another process holds the file, stop it (DuckDB lets one process open a file at a time).", exception);
}
