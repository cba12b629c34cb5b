using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Engine;

/// <summary>
/// Where a routed IPv4 packet goes on the wire: for a destination address, the Ethernet interface the kernel's main
/// routing table sends it out of and the MAC address of its next hop (the gateway, or the destination itself when
/// on-link) from the kernel's neighbour table. Read from <c>/proc/net/route</c> and <c>/proc/net/arp</c> by
/// <see cref="Refresh"/>, off the packet path; <see cref="TryResolve"/> reads an immutable snapshot and never
/// blocks. A destination it cannot resolve (no route out of the receiving interface, a neighbour the kernel has not
/// resolved yet, a local address, policy routing it does not see) goes through the kernel's raw-socket send,
/// which also makes the kernel resolve the neighbour for the next refresh.
/// </summary>
internal sealed class NextHopTable
{
    private readonly string _routePath;
    private readonly string _neighbourPath;
    private readonly Func<IEnumerable<(string Name, int Index, bool Ethernet, IReadOnlyList<uint> Addresses)>> _interfaces;
    private Snapshot _snapshot = Snapshot.Empty;

    public NextHopTable()
        : this("/proc/net/route", "/proc/net/arp", LocalInterfaces)
    {
    }

    /// <summary>For tests: the tables read from other files, the interfaces given.</summary>
    internal NextHopTable(string routePath, string neighbourPath, Func<IEnumerable<(string Name, int Index, bool Ethernet, IReadOnlyList<uint> Addresses)>> interfaces)
    {
        _routePath = routePath;
        _neighbourPath = neighbourPath;
        _interfaces = interfaces;
    }

    /// <summary>
    /// The MAC address to send a packet for <paramref name="address"/> to when it leaves through interface
    /// <paramref name="interfaceIndex"/>; false when the kernel would send it elsewhere or the next hop is unknown
    /// (IPv6 next hops are left to the kernel for now).
    /// </summary>
    public bool TryResolve(PacketAddress address, int interfaceIndex, out ulong hardwareAddress)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        hardwareAddress = 0;
        var destination = address.IPv4;
        if (!address.IsIPv4 || snapshot.Local.Contains(destination))
        {
            return false;
        }

        foreach (var route in snapshot.Routes)
        {
            if ((destination & route.Mask) != route.Destination)
            {
                continue;
            }

            // The first match is the kernel's choice: routes are ordered by prefix length, then metric.
            if (route.InterfaceIndex != interfaceIndex)
            {
                return false;
            }

            var hop = route.Gateway != 0 ? route.Gateway : destination;
            return snapshot.Neighbours.TryGetValue(NeighbourKey(interfaceIndex, hop), out hardwareAddress);
        }

        return false;
    }

    /// <summary>Reads the kernel's routes, neighbours and local addresses again and publishes them at once.</summary>
    /// <exception cref="IOException">A table could not be read; the previous snapshot stays.</exception>
    public void Refresh()
    {
        var interfaces = _interfaces().ToList();
        var ethernet = interfaces.Where(i => i.Ethernet).ToDictionary(i => i.Name, i => i.Index, StringComparer.Ordinal);
        var local = interfaces.SelectMany(i => i.Addresses).ToFrozenSet();
        var routes = ReadRoutes(File.ReadLines(_routePath), ethernet);
        var neighbours = ReadNeighbours(File.ReadLines(_neighbourPath), ethernet);
        Volatile.Write(ref _snapshot, new Snapshot(routes, neighbours, local));
    }

    /// <summary>
    /// The usable routes of <c>/proc/net/route</c> (up, not reject), longest prefix first, lowest metric first among
    /// equals. A route out of an interface that is not Ethernet stays in the list (it wins its prefixes) with index -1.
    /// </summary>
    internal static Route[] ReadRoutes(IEnumerable<string> lines, IReadOnlyDictionary<string, int> ethernet)
    {
        const int RouteUp = 0x1, RouteReject = 0x200;
        var routes = new List<(Route Route, int Metric)>();
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8
                || !TryHex(fields[1], out var destination) || !TryHex(fields[2], out var gateway) || !TryHex(fields[3], out var flags)
                || !int.TryParse(fields[6], NumberStyles.Integer, CultureInfo.InvariantCulture, out var metric) || !TryHex(fields[7], out var mask)
                || (flags & RouteUp) == 0 || (flags & RouteReject) != 0)
            {
                continue;
            }

            // The file holds addresses in the kernel's memory order, read as a little-endian number.
            var index = ethernet.TryGetValue(fields[0], out var found) ? found : -1;
            routes.Add((new Route(Swap(destination) & Swap(mask), Swap(mask), Swap(gateway), index), metric));
        }

        return [.. routes.OrderByDescending(r => PrefixLength(r.Route.Mask)).ThenBy(r => r.Metric).Select(r => r.Route)];
    }

    /// <summary>The complete entries (flag 0x2) of <c>/proc/net/arp</c> on Ethernet interfaces, by interface and address.</summary>
    internal static FrozenDictionary<ulong, ulong> ReadNeighbours(IEnumerable<string> lines, IReadOnlyDictionary<string, int> ethernet)
    {
        var table = new Dictionary<ulong, ulong>();
        foreach (var (address, mac, device) in ArpEntries.Parse(lines))
        {
            if (ethernet.TryGetValue(device, out var index))
            {
                table[NeighbourKey(index, address.IPv4)] = mac;
            }
        }

        return table.ToFrozenDictionary();
    }

    private static IEnumerable<(string Name, int Index, bool Ethernet, IReadOnlyList<uint> Addresses)> LocalInterfaces() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.Supports(NetworkInterfaceComponent.IPv4))
            .Select(nic => (nic.Name, nic.GetIPProperties().GetIPv4Properties().Index, nic.NetworkInterfaceType == NetworkInterfaceType.Ethernet,
                (IReadOnlyList<uint>)[.. nic.GetIPProperties().UnicastAddresses
                    .Select(u => PacketAddress.From(u.Address))
                    .Where(a => a.IsIPv4).Select(a => a.IPv4)]));

    private static ulong NeighbourKey(int interfaceIndex, uint address) => ((ulong)(uint)interfaceIndex << 32) | address;

    private static bool TryHex(string text, out uint value) => uint.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value);

    private static uint Swap(uint value) => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(value);

    private static int PrefixLength(uint mask) => System.Numerics.BitOperations.PopCount(mask);

    /// <summary>One route: packets whose address masked by <paramref name="Mask"/> is <paramref name="Destination"/> leave through the interface.</summary>
    /// <param name="Destination">The network, big-endian number.</param>
    /// <param name="Mask">The netmask.</param>
    /// <param name="Gateway">The next hop, or 0 when the destination is on-link.</param>
    /// <param name="InterfaceIndex">The Ethernet interface it leaves through; -1 when not Ethernet.</param>
    internal readonly record struct Route(uint Destination, uint Mask, uint Gateway, int InterfaceIndex);

    private sealed record Snapshot(Route[] Routes, FrozenDictionary<ulong, ulong> Neighbours, FrozenSet<uint> Local)
    {
        public static readonly Snapshot Empty = new([], FrozenDictionary<ulong, ulong>.Empty, FrozenSet<uint>.Empty);
    }
}
