using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StreamHeal.Hosting;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Pipeline;
using Xunit;
using Xunit.Abstractions;

namespace StreamHeal.IntegrationTests.Host;

/// <summary>The real endpoint on a loopback port, driven by a status the test sets.</summary>
public sealed class HealthEndpointTests(ITestOutputHelper output) : IDisposable
{
    private static readonly PipelineStatus Serving = new(
        Polled: 3, Sunk: 3, DeadLettered: 0, Tombstones: 0, InFlightRecords: 0, InFlightBytes: 0, Lag: 0,
        AssignedPartitions: 2, Paused: false, SinkRetries: 0, DeadLetterRetries: 0, OffsetResets: 0, Running: true, Failure: null)
    {
        PollLoop = PollLoopState.Running,
        SinkReconciled = true,
    };

    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.Factory(output, LogLevel.Debug);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private volatile PipelineStatus _status = Serving;

    [Fact]
    public async Task A_probe_naming_the_pod_in_its_host_header_gets_200_with_the_status_as_json()
    {
        await using var endpoint = await StartAsync(new HealthOptions());
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(endpoint, HealthEndpoint.ReadyPath));
        request.Headers.Host = "streamheal-pod:8081";

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, body.RootElement.GetProperty("sunk").GetInt64());
        Assert.Equal(2, body.RootElement.GetProperty("assigned_partitions").GetInt32());
        Assert.True(body.RootElement.GetProperty("running").GetBoolean());
        Assert.False(body.RootElement.GetProperty("degraded").GetBoolean());
        Assert.Equal("running", body.RootElement.GetProperty("poll_loop").GetString());
        Assert.True(body.RootElement.GetProperty("poll_loop_alive").GetBoolean());
        Assert.True(body.RootElement.GetProperty("sink_reconciled").GetBoolean());
        Assert.True(body.RootElement.GetProperty("assigned").GetBoolean());
    }

    [Fact]
    public async Task A_raw_request_with_an_ip_host_header_is_answered()
    {
        await using var endpoint = await StartAsync(new HealthOptions());

        var response = await RawAsync(endpoint, $"GET {HealthEndpoint.LivePath} HTTP/1.1\r\nHost: 10.1.2.3:8081\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bound_to_0_0_0_0_it_answers_on_loopback_too()
    {
        await using var endpoint = await StartAsync(new HealthOptions { BindAddress = "0.0.0.0" });
        Assert.Equal(IPAddress.Any, endpoint.EndPoint.Address);

        using var response = await _http.GetAsync(new Uri($"http://127.0.0.1:{endpoint.EndPoint.Port}{HealthEndpoint.LivePath}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Ready_follows_the_status_and_live_stays_up_until_the_poll_loop_ends_unasked()
    {
        await using var endpoint = await StartAsync(new HealthOptions());
        _status = Serving with { AssignedPartitions = 0 };
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusCodeAsync(endpoint, HealthEndpoint.ReadyPath));
        Assert.Equal(HttpStatusCode.OK, await StatusCodeAsync(endpoint, HealthEndpoint.LivePath));

        _status = Serving;
        Assert.Equal(HttpStatusCode.OK, await StatusCodeAsync(endpoint, HealthEndpoint.ReadyPath));

        // The sink is down and being retried: the replica heals in place, so neither probe fails.
        _status = Serving with { Degraded = true, SinkRetries = 12, Paused = true };
        Assert.Equal(HttpStatusCode.OK, await StatusCodeAsync(endpoint, HealthEndpoint.ReadyPath));
        Assert.Equal(HttpStatusCode.OK, await StatusCodeAsync(endpoint, HealthEndpoint.LivePath));

        _status = Serving with { PollLoop = PollLoopState.Ended, Running = false, Failure = "fatal" };
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusCodeAsync(endpoint, HealthEndpoint.ReadyPath));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusCodeAsync(endpoint, HealthEndpoint.LivePath));
    }

    [Fact]
    public async Task Clients_that_never_send_or_send_garbage_do_not_stop_other_requests()
    {
        await using var endpoint = await StartAsync(new HealthOptions());
        var port = endpoint.EndPoint.Port;
        using var silent = new TcpClient();
        await silent.ConnectAsync(IPAddress.Loopback, port);
        using var halfSent = new TcpClient();
        await halfSent.ConnectAsync(IPAddress.Loopback, port);
        await halfSent.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET /health/ready HTTP/1.1\r\nHost: stuck\r\n"));

        var garbage = await RawAsync(endpoint, "\u0016\u0003\u0001 not http at all\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", garbage, StringComparison.Ordinal);

        // Several requests while both broken clients hold their connections open.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusCodeAsync(endpoint, HealthEndpoint.LivePath));
        }
    }

    [Fact]
    public async Task More_routes_can_be_mapped_on_the_same_listener()
    {
        await using var endpoint = await HealthEndpoint.StartAsync(
            new HealthOptions(), () => _status, _loggers, port: 0,
            mapRoutes: static routes => routes.MapGet("/extra", static () => Results.Text("more")));

        Assert.Equal("more", await _http.GetStringAsync(Url(endpoint, "/extra")));
        Assert.Equal(HttpStatusCode.OK, await StatusCodeAsync(endpoint, HealthEndpoint.LivePath));
    }

    [Fact]
    public async Task A_port_in_use_fails_naming_the_settings()
    {
        await using var first = await StartAsync(new HealthOptions());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(
            () => HealthEndpoint.StartAsync(new HealthOptions(), () => _status, _loggers, port: first.EndPoint.Port));

        Assert.Contains("health.bindAddress, health.port", e.Message, StringComparison.Ordinal);
        Assert.Contains(first.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _http.Dispose();
        _loggers.Dispose();
    }

    private Task<HealthEndpoint> StartAsync(HealthOptions options) => HealthEndpoint.StartAsync(options, () => _status, _loggers, port: 0);

    private static Uri Url(HealthEndpoint endpoint, string path) => new($"http://127.0.0.1:{endpoint.EndPoint.Port}{path}");

    private async Task<HttpStatusCode> StatusCodeAsync(HealthEndpoint endpoint, string path)
    {
        using var response = await _http.GetAsync(Url(endpoint, path));
        return response.StatusCode;
    }

    /// <summary>Sends <paramref name="request"/> as is and reads until the server closes the connection.</summary>
    private static async Task<string> RawAsync(HealthEndpoint endpoint, string request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, endpoint.EndPoint.Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync(timeout.Token);
    }
}
