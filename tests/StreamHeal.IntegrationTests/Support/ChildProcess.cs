using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// A child process with captured output. Disposing kills it (and its children) if it is still running,
/// so a failing test never leaves it behind.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    // A killed process is gone at once; waiting longer means its output pipes were inherited by something still alive.
    private static readonly TimeSpan ExitAfterKill = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public string StandardError => string.Join('\n', _stderr);

    public string StandardOutput => string.Join('\n', _stdout);

    public static ChildProcess Start(string fileName, params string[] arguments) => Start(fileName, arguments, workingDirectory: null, environment: null);

    /// <param name="environment">Variables set (or, with a null value, removed) on top of this process's environment.</param>
    public static ChildProcess Start(
        string fileName, IEnumerable<string> arguments, string? workingDirectory, IReadOnlyDictionary<string, string?>? environment)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._firstLine.TrySetException(new InvalidOperationException("The process closed its standard output without writing a line."));
                return;
            }

            child._stdout.Enqueue(e.Data);
            child._firstLine.TrySetResult(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child._stderr.Enqueue(e.Data);
            }
        };

        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs a process to completion, writing <paramref name="stdin"/> and returning its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string fileName, IEnumerable<string> arguments, string stdin, TimeSpan timeout,
        string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        await using var child = Start(fileName, arguments, workingDirectory, environment);
        await child._process.StandardInput.WriteAsync(stdin);
        child._process.StandardInput.Close();
        var exitCode = await child.WaitForExitAsync(timeout);
        return (exitCode, child.StandardOutput, child.StandardError);
    }

    public async Task<string> FirstLineAsync(TimeSpan timeout)
    {
        try
        {
            return await _firstLine.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"No stdout line from process {Id} within {timeout.TotalSeconds:0.#} s. stderr: {StandardError}");
            throw;
        }
    }

    /// <summary>Waits for exit; fails the test when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Process {Id} ({_process.StartInfo.FileName}) did not exit within {timeout.TotalSeconds:0.#} s. stderr: {StandardError}");
        }

        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a service manager would.</summary>
    public void Terminate()
    {
        if (kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>SIGINT, as Ctrl-C in a terminal.</summary>
    public void Interrupt()
    {
        if (kill(_process.Id, SigInt) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGINT) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>SIGKILL: no handler runs, nothing is flushed or committed, like a crash.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await WaitForExitAsync(ExitAfterKill);
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(ExitAfterKill);
                await _process.WaitForExitAsync(timeout.Token);
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
