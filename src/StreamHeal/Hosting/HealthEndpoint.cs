using System.Net;
using System.Text;
using System.Text.Json;
using StreamHeal.Pipeline;

namespace StreamHeal.Hosting;

/// <summary>
/// <c>/health/live</c>: the process is up. <c>/health/ready</c>: the pipeline runs and is not failed; 503 otherwise.
/// Both answer with the pipeline status as JSON. Bound to 127.0.0.1 only.
/// </summary>
public sealed class HealthEndpoint : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<PipelineStatus> _status;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public HealthEndpoint(int port, Func<PipelineStatus> status)
    {
        _status = status;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/health/");
        _listener.Start();
        _loop = ServeAsync();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var status = _status();
            var path = context.Request.Url?.AbsolutePath.TrimEnd('/') ?? "";
            var ready = status.Running && status.Failure is null;
            context.Response.StatusCode = path switch
            {
                "/health/live" => 200,
                "/health/ready" => ready ? 200 : 503,
                _ => 404,
            };
            context.Response.ContentType = "application/json";
            var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(status, HostingJsonContext.Default.PipelineStatus));
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _listener.Close();
        _stop.Dispose();
    }
}
