using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace StreamHeal.TestSupport;

/// <summary>
/// Keeps every entry of every logger it creates, for assertions on what reached the log, and lets a test act at the
/// moment a line is logged.
/// </summary>
public sealed class CapturingLoggerProvider(Action<string>? onLine = null) : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, int EventId, string Message)> _entries = new();

    private Action<string>? OnLine { get; } = onLine;

    public IReadOnlyList<(string Category, LogLevel Level, int EventId, string Message)> Entries => [.. _entries];

    /// <summary>The formatted messages, in the order they were logged.</summary>
    public IReadOnlyList<string> Lines => [.. _entries.Select(static entry => entry.Message)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            owner._entries.Enqueue((category, logLevel, eventId.Id, message));
            owner.OnLine?.Invoke(message);
        }
    }
}
