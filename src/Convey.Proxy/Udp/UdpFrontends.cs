using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Proxy.Udp;

/// <summary>
/// The proxy engine's UDP frontends, kept in line with each snapshot under the engine's apply lock: a new frontend
/// opens its socket, one whose address (or <c>reuse_port</c>) changed is reopened, one removed is closed with its
/// sessions; every other frontend, UDP or TCP, and its sessions are untouched. Other changes (pool, idle timeout,
/// session cap) apply to the running frontend at once.
/// </summary>
[SuppressMessage("Interoperability", "CA1416:Validate platform compatibility", Justification = "A UdpListener exists only on Linux: Listen starts one only there.")]
internal sealed class UdpFrontends(ProxyContext context)
{
    private readonly Dictionary<string, UdpListener> _listeners = new(StringComparer.Ordinal);

    /// <summary>Whether the engine serves <paramref name="frontend"/> as a UDP frontend now.</summary>
    public static bool Serves(FrontendState frontend, string mode) =>
        frontend.Mode == mode && !frontend.IsDraining && frontend.Config.Protocol == FrontendProtocol.Udp;

    public IPEndPoint? GetListenEndPoint(string frontend) => _listeners.TryGetValue(frontend, out var listener) ? listener.LocalEndPoint : null;

    /// <summary>Closes the listeners of frontends the snapshot no longer serves as UDP, or serves on another address.</summary>
    public async Task CloseRemovedAsync(RuntimeSnapshot snapshot, string mode)
    {
        foreach (var (name, listener) in _listeners.ToArray())
        {
            if (!snapshot.Frontends.TryGetValue(name, out var frontend) || !Serves(frontend, mode) || frontend != listener.Frontend
                || !listener.ConfiguredEndPoint.Equals(frontend.Config.ListenEndPoint) || listener.ReusePort != ProxySettings.ReusePort(frontend.Config))
            {
                _listeners.Remove(name);
                await listener.CloseAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Listens for <paramref name="frontend"/> unless it already does (then it adopts its new settings); the bind error when it cannot.</summary>
    public SocketException? Listen(FrontendState frontend)
    {
        if (_listeners.TryGetValue(frontend.Name, out var current))
        {
            current.OnSettingsChanged();
            return null;
        }

        if (!OperatingSystem.IsLinux())
        {
            return new SocketException((int)SocketError.OperationNotSupported, "UDP frontends need Linux");
        }

        try
        {
            _listeners[frontend.Name] = StartOnLinux(frontend);
            return null;
        }
        catch (SocketException ex)
        {
            return ex;
        }
    }

    public async Task CloseAllAsync()
    {
        var listeners = _listeners.Values.ToArray();
        _listeners.Clear();
        foreach (var listener in listeners)
        {
            await listener.CloseAsync().ConfigureAwait(false);
        }
    }

    [SupportedOSPlatform("linux")]
    private UdpListener StartOnLinux(FrontendState frontend) => UdpListener.Start(frontend, context);
}
