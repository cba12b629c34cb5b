using System.Collections.Frozen;
using Convey.Forwarding;
using Convey.RawPacket.Packets;
using Convey.Runtime;

namespace Convey.RawPacket.Engine;

/// <summary>The engine's frontends by address and port, and the addresses whose NAT ports carry passthrough replies. Immutable.</summary>
internal sealed class RouteTable
{
    private readonly FrozenDictionary<(PacketAddress Address, ushort Port), FrontendRoute> _routes;
    private readonly FrozenSet<PacketAddress> _natAddresses;
    private readonly FrozenSet<(PacketAddress Address, ushort Port)> _passthroughServers;

    public RouteTable(IEnumerable<(PacketAddress Address, ushort Port, FrontendRoute Route)> routes)
    {
        var list = routes.ToList();
        // A live frontend wins over a draining one on the same address and port (removed, then added back).
        _routes = list.GroupBy(r => (r.Address, r.Port)).ToFrozenDictionary(g => g.Key, g => g.OrderBy(r => r.Route.Draining).First().Route);
        _natAddresses = list.Where(r => r.Route.Mode == PacketMode.Passthrough).Select(r => r.Address).ToFrozenSet();
        _passthroughServers = list.Where(r => r.Route.Mode == PacketMode.Passthrough)
            .SelectMany(r => r.Route.Frontend.Pool.Servers)
            .Select(s => (PacketAddress.From(s.Address.Address), (ushort)s.Address.Port))
            .ToFrozenSet();
    }

    public static RouteTable Empty { get; } = new([]);

    /// <summary>The routes of every live passthrough and DSR frontend of <paramref name="snapshot"/>.</summary>
    public static RouteTable Build(RuntimeSnapshot snapshot) =>
        Build(snapshot.Frontends.Values.Where(f => PacketSettings.ModeOf(f.Mode) is not null && !f.IsDraining), []);

    /// <summary>The routes of <paramref name="live"/> frontends and of <paramref name="draining"/> ones (no new flows).</summary>
    public static RouteTable Build(IEnumerable<FrontendState> live, IEnumerable<FrontendState> draining) =>
        new(live.Select(f => (Frontend: f, Draining: false)).Concat(draining.Select(f => (Frontend: f, Draining: true)))
            .Select(f => (PacketAddress.From(f.Frontend.Config.ListenEndPoint.Address), (ushort)f.Frontend.Config.ListenEndPoint.Port,
                new FrontendRoute(f.Frontend, PacketSettings.ModeOf(f.Frontend.Mode)!.Value, PacketSettings.DsrMethodOf(f.Frontend.Config), f.Frontend.Config.IdleTimeout, f.Draining))));

    /// <summary>The same routes, all draining (engine stop).</summary>
    public RouteTable AsDraining() =>
        new(_routes.Select(r => (r.Key.Address, r.Key.Port, r.Value with { Draining = true })));

    /// <summary>Every route.</summary>
    public IEnumerable<FrontendRoute> All => _routes.Values;

    /// <summary>Addresses that carry passthrough replies on the NAT port range.</summary>
    public IReadOnlyCollection<PacketAddress> NatAddresses => _natAddresses;

    /// <summary>Every frontend address and port.</summary>
    public IEnumerable<(PacketAddress Address, ushort Port)> Frontends => _routes.Keys;

    public bool TryGetFrontend(PacketAddress address, ushort port, out FrontendRoute route) =>
        _routes.TryGetValue((address, port), out route!);

    public bool IsNatAddress(PacketAddress address) => _natAddresses.Contains(address);

    /// <summary>Whether <paramref name="address"/>:<paramref name="port"/> is a server of a passthrough frontend's pool.</summary>
    public bool IsPassthroughServer(PacketAddress address, ushort port) => _passthroughServers.Contains((address, port));
}
