using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>
/// A Slack-style (or any webhook) receiver on Kestrel: every POST body is kept per path and answered 200, or 503 while
/// <see cref="Down"/> is set.
/// </summary>
public sealed class AlertReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Path, string Body)> _received = new();

    private AlertReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public bool Down { get; set; }

    public static async Task<AlertReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new AlertReceiver(app);
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            if (receiver.Down)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            receiver._received.Enqueue((context.Request.Path.Value ?? "", body));
            return Results.Ok();
        });
        await app.StartAsync();
        receiver.BaseUrl = app.Urls.First().TrimEnd('/');
        return receiver;
    }

    public IReadOnlyList<string> BodiesAt(string path) => _received.Where(r => r.Path == path).Select(static r => r.Body).ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
