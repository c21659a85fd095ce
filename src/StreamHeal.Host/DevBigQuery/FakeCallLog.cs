using System.Collections.Concurrent;

namespace StreamHeal.Host.DevBigQuery;

/// <summary>Headers the fake received, in arrival order, so tests can check what a client sends.</summary>
internal sealed class FakeCallLog
{
    /// <summary>Each <c>x-goog-request-params</c> value, percent-decoded.</summary>
    public ConcurrentQueue<string> RoutingHeaders { get; } = new();

    /// <summary>Each <c>authorization</c> value.</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();
}
