using System.Net;
using System.Net.Sockets;

namespace StreamHeal.IntegrationTests.Support;

public static class LoopbackPorts
{
    /// <summary>A port free now; another process may take it before the caller binds it.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
