using System.Net;

namespace Convey.RawPacket.Engine;

/// <summary>
/// Which interfaces take which frontends' packets. A frontend's own packets (client to frontend address and port) are
/// taken where its <c>interface</c> says, by default on every uplink; its address need not be on that interface (a VIP
/// on <c>lo</c> or a dummy interface, routed to the host), but it must be on one of the host's. The replies of a
/// passthrough frontend's servers to its NAT ports come back along the route to the servers, which the client's side
/// says nothing about, so they are taken on every uplink as well as on the frontend's own interface.
/// </summary>
/// <param name="Interface">The interface.</param>
/// <param name="Frontends">Frontends whose address and port its filter admits.</param>
/// <param name="NatFrontends">Passthrough frontends whose address it admits on the NAT port range.</param>
internal sealed record ReceiveAssignment(HostInterface Interface, IReadOnlyList<string> Frontends, IReadOnlyList<string> NatFrontends)
{
    /// <summary>Assigns <paramref name="frontends"/> to interfaces of <paramref name="host"/>; a frontend that gets none is in <paramref name="unreachable"/> with the reason.</summary>
    public static List<ReceiveAssignment> Assign(
        IEnumerable<(string Name, IPAddress Address, string? Interface, bool Passthrough)> frontends, HostInterfaces host, Dictionary<string, string> unreachable)
    {
        var own = new Dictionary<string, (HostInterface Interface, List<string> Frontends, List<string> Nat)>(StringComparer.Ordinal);
        (HostInterface Interface, List<string> Frontends, List<string> Nat) At(HostInterface nic)
        {
            if (!own.TryGetValue(nic.Name, out var entry))
            {
                entry = (nic, [], []);
                own.Add(nic.Name, entry);
            }

            return entry;
        }

        foreach (var (name, address, interfaceName, passthrough) in frontends)
        {
            if (!host.IsLocal(address))
            {
                unreachable[name] = $"address not local: no interface of this host holds {address}; add it to an interface (lo or a dummy interface will do when the traffic is routed to this host)";
                continue;
            }

            if (!host.TryChoose(interfaceName, out var chosen, out var reason))
            {
                unreachable[name] = reason;
                continue;
            }

            foreach (var nic in chosen)
            {
                At(nic).Frontends.Add(name);
            }

            if (passthrough)
            {
                foreach (var nic in chosen.Concat(host.Uplinks).DistinctBy(n => n.Name))
                {
                    At(nic).Nat.Add(name);
                }
            }
        }

        return [.. own.Values.OrderBy(e => e.Interface.Index).Select(e => new ReceiveAssignment(e.Interface, e.Frontends, e.Nat))];
    }
}
