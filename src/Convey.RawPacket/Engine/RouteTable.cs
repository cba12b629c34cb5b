using System.Collections.Frozen;
using Convey.Forwarding;
using Convey.RawPacket.Packets;
using Convey.Runtime;

namespace Convey.RawPacket.Engine;

/// <summary>The engine's frontends by address and port, and the addresses whose NAT ports carry passthrough replies. Immutable.</summary>
internal sealed class RouteTable
{
    private readonly FrozenDictionary<ulong, FrontendRoute> _routes;
    private readonly FrozenSet<uint> _natAddresses;

    public RouteTable(IEnumerable<(uint Address, ushort Port, FrontendRoute Route)> routes)
    {
        var list = routes.ToList();
        _routes = list.ToFrozenDictionary(r => Key(r.Address, r.Port), r => r.Route);
        _natAddresses = list.Where(r => r.Route.Mode == ForwardingMode.Passthrough).Select(r => r.Address).ToFrozenSet();
    }

    public static RouteTable Empty { get; } = new([]);

    /// <summary>The routes of every live passthrough and DSR frontend with an IPv4 address.</summary>
    public static RouteTable Build(RuntimeSnapshot snapshot) =>
        new(snapshot.Frontends.Values
            .Where(f => f.Mode is ForwardingMode.Passthrough or ForwardingMode.Dsr && !f.IsDraining)
            .Select(f => (Ok: IPv4Address.TryGet(f.Config.ListenEndPoint.Address, out var address), Address: address, Frontend: f))
            .Where(f => f.Ok)
            .Select(f => (f.Address, (ushort)f.Frontend.Config.ListenEndPoint.Port,
                new FrontendRoute(f.Frontend, f.Frontend.Mode, f.Frontend.Config.DsrMethod, f.Frontend.Config.IdleTimeout))));

    /// <summary>Addresses that carry passthrough replies on the NAT port range.</summary>
    public IReadOnlyCollection<uint> NatAddresses => _natAddresses;

    /// <summary>Every frontend address and port.</summary>
    public IEnumerable<(uint Address, ushort Port)> Frontends => _routes.Keys.Select(k => ((uint)(k >> 16), (ushort)k));

    public bool TryGetFrontend(uint address, ushort port, out FrontendRoute route) =>
        _routes.TryGetValue(Key(address, port), out route!);

    public bool IsNatAddress(uint address) => _natAddresses.Contains(address);

    private static ulong Key(uint address, ushort port) => ((ulong)address << 16) | port;
}
