using System.Diagnostics;
using System.Runtime.InteropServices;

namespace StreamHeal.Throughput;

/// <summary>
/// <c>streamheal dev-kafka</c> in a child process, so the brokers' CPU, memory and allocations stay out of the figures
/// the harness measures for itself. Started from the <c>streamheal.dll</c> the host project reference copies here.
/// </summary>
internal sealed partial class DevKafkaProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _stderr = [];

    private DevKafkaProcess(Process process) => _process = process;

    public string BootstrapServers { get; private set; } = "";

    public static async Task<DevKafkaProcess> StartAsync(IEnumerable<(string Name, int Partitions)> topics, CancellationToken cancellationToken)
    {
        var hostDll = Path.Combine(AppContext.BaseDirectory, "streamheal.dll");
        if (!File.Exists(hostDll))
        {
            throw new FileNotFoundException("streamheal.dll is not next to the harness; build the solution so the host project reference copies it.", hostDll);
        }

        // Set by the dotnet CLI for the processes it starts (dotnet run); the muxer on PATH otherwise.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(hostDll);
        info.ArgumentList.Add("dev-kafka");
        foreach (var (name, partitions) in topics)
        {
            info.ArgumentList.Add("--topic");
            info.ArgumentList.Add($"{name}:{partitions}");
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new DevKafkaProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._firstLine.TrySetException(new InvalidOperationException("dev-kafka closed its standard output without printing the bootstrap servers."));
                return;
            }

            child._firstLine.TrySetResult(e.Data);
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
            throw new InvalidOperationException($"Could not start {dotnet} {hostDll} dev-kafka.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            child.BootstrapServers = await child._firstLine.Task.WaitAsync(StartTimeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            await child.DisposeAsync();
            throw new InvalidOperationException($"dev-kafka printed no bootstrap servers within {StartTimeout.TotalSeconds:0} s. stderr: {child.StandardError}", e);
        }

        return child;
    }

    public int Id => _process.Id;

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
