using System.Runtime.Versioning;
using Convey.Forwarding;
using Convey.Proxy.Transport.Epoll;

namespace Convey.Proxy.Udp;

/// <summary>
/// One client of a UDP frontend (its address and port) and the server it was given: a socket connected to that
/// server, so the server's replies arrive on it, and the kernel reports the server's ICMP errors to it. Lives on its
/// frontend's event loop until it is idle for the frontend's <c>idle_timeout</c>, its server is unreachable or down,
/// or the frontend closes.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class UdpSession(UdpListener listener, UdpPeer client, UdpPeer local, ServerState server, int descriptor, long now) : IEpollHandler
{
    /// <summary>The client, where replies go.</summary>
    public UdpPeer Client { get; } = client;

    /// <summary>The frontend address the client sent to, where replies leave from.</summary>
    public UdpPeer Local { get; } = local;

    public ServerState Server { get; } = server;

    /// <summary>The socket connected to the server.</summary>
    public int Descriptor { get; } = descriptor;

    /// <summary>The event loop's registration of <see cref="Descriptor"/>.</summary>
    public ulong Token { get; set; }

    public long Started { get; } = now;

    /// <summary>When a datagram last went either way (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastActive { get; set; } = now;

    public bool Closed { get; set; }

    public void OnEvents(uint events) => listener.OnServerReadable(this);
}
