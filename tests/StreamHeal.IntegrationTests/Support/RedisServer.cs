using StreamHeal.TestSupport;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// A real <c>redis-server</c> (Debian's package) on a free loopback port, without persistence (<c>--save ''
/// --appendonly no</c>). It can be killed with SIGKILL and started again on the same port; disposing stops it by PID.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(20);

    private readonly string _executable;
    private ChildProcess _process;

    private RedisServer(string executable, int port, ChildProcess process)
    {
        _executable = executable;
        Port = port;
        _process = process;
    }

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var executable = ExternalTools.RequireOnPath("redis-server", "redis-server");
        var port = LoopbackPorts.Free();
        var server = new RedisServer(executable, port, Launch(executable, port));
        await server.WaitReadyAsync();
        return server;
    }

    /// <summary>SIGKILL: Redis is gone at once, its connections reset.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>Starts a new, empty server on the same port.</summary>
    public async Task RestartAsync()
    {
        await _process.DisposeAsync();
        _process = Launch(_executable, Port);
        await WaitReadyAsync();
    }

    private static ChildProcess Launch(string executable, int port) =>
        ChildProcess.Start(executable, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no");

    private Task WaitReadyAsync() =>
        Eventually.Until(
            async () =>
            {
                Assert.False(_process.HasExited, $"redis-server exited: {_process.StandardOutput}");
                return await PingsAsync();
            },
            s_readyTimeout,
            $"redis-server to answer PING on port {Port}");

    private async Task<bool> PingsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
