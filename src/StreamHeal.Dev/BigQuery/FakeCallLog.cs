using System.Collections.Concurrent;

namespace StreamHeal.Dev.BigQuery;

/// <summary>Headers and requests the fake received, in arrival order, so tests can check what a client sends.</summary>
internal sealed class FakeCallLog
{
    /// <summary>Each gRPC <c>x-goog-request-params</c> value, percent-decoded.</summary>
    public ConcurrentQueue<string> RoutingHeaders { get; } = new();

    /// <summary>Each gRPC <c>authorization</c> value.</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();

    /// <summary>Each REST request as <c>"METHOD /path"</c>, failed and injected ones included.</summary>
    public ConcurrentQueue<string> RestRequests { get; } = new();

    /// <summary>Each REST <c>Authorization</c> value (absent headers are not recorded).</summary>
    public ConcurrentQueue<string> RestAuthorizations { get; } = new();
}
