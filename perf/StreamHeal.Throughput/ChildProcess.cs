using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace StreamHeal.Throughput;

/// <summary>
/// A .NET program run as <c>dotnet &lt;dll&gt; args</c> in a child process, so its CPU, memory and allocations stay out of
/// the figures the harness measures for itself. Standard output arrives line by line (<see cref="ReadLineAsync"/>),
/// standard error is kept for error messages, standard input takes commands.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly string _name;
    private readonly Channel<string> _stdout = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<string> _stderr = [];

    private ChildProcess(Process process, string name)
    {
        _process = process;
        _name = name;
    }

    /// <param name="name">How errors name the child, e.g. <c>dev-kafka</c>.</param>
    public static ChildProcess Start(string dll, IEnumerable<string> arguments, string name)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{Path.GetFileName(dll)} is not next to the harness; build the harness project, whose references copy it there.", dll);
        }

        // Set by the dotnet CLI for the processes it starts (dotnet run); the muxer on PATH otherwise.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, name);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._stdout.Writer.TryComplete();
                return;
            }

            child._stdout.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._stderr)
                {
                    child._stderr.Add(e.Data);
                }
            }
        };

        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {dotnet} {dll} ({name}).");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public int Id => _process.Id;

    /// <summary>User plus system time of the child so far.</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>The child's resident-set high-water mark (VmHWM) over its whole life, in bytes; 0 when it cannot be read.</summary>
    public long PeakRssBytes
    {
        get
        {
            try
            {
                var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(static l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                var value = line?["VmHWM:".Length..].Trim().Split(' ')[0];
                return value is null ? 0 : long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) * 1024;
            }
            catch (IOException)
            {
                return 0;
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    /// <summary>The next line of standard output; throws, with the child's stderr, when it closes its output or time runs out.</summary>
    public async Task<string> ReadLineAsync(TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await _stdout.Reader.ReadAsync(cancellationToken).AsTask().WaitAsync(timeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or ChannelClosedException)
        {
            throw new InvalidOperationException(
                $"{_name} (pid {_process.Id}) printed no {what} within {timeout.TotalSeconds:0} s{(_process.HasExited ? $"; it exited with {_process.ExitCode}" : "")}. stderr: {StandardError}", e);
        }
    }

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>SIGTERM first, as dev-kafka expects; a kill only when it does not exit in time.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _ = kill(_process.Id, SigTerm);
                using var timeout = new CancellationTokenSource(StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None);
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
