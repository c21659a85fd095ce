using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>Keeps every formatted log line, and lets a test act at the moment one is logged.</summary>
public sealed class RecordingLoggerProvider(Action<string>? onLine = null) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    private Action<string>? OnLine { get; } = onLine;

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = formatter(state, exception);
            provider._lines.Enqueue(line);
            provider.OnLine?.Invoke(line);
        }
    }
}
