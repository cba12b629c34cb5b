using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using Convey.RawPacket.Interop;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Engine;

/// <summary>
/// Where a routed packet goes on the wire: for a destination address, the Ethernet interface the kernel's routing
/// table sends it out of and the MAC address of its next hop (the gateway, or the destination itself when on-link)
/// from the kernel's neighbour table. Read by <see cref="Refresh"/>, off the packet path, from <c>/proc/net/route</c>
/// and <c>/proc/net/arp</c> for IPv4, from <c>/proc/net/ipv6_route</c> and a netlink dump of the neighbours for IPv6;
/// <see cref="TryResolve"/> reads an immutable snapshot and never blocks. A destination it cannot resolve (no route out
/// of the receiving interface, a neighbour the kernel has not resolved yet, a local address, policy routing it does
/// not see) goes through the kernel's raw-socket send, which also makes the kernel resolve the neighbour for the next
/// refresh.
/// </summary>
internal sealed class NextHopTable
{
    private readonly string _routePath;
    private readonly string _neighbourPath;
    private readonly string _ipv6RoutePath;
    private readonly Func<List<(PacketAddress Address, int InterfaceIndex, ulong HardwareAddress)>> _readIPv6Neighbours;
    private readonly Func<IEnumerable<(string Name, int Index, bool Ethernet, IReadOnlyList<uint> Addresses)>> _interfaces;
    private Snapshot _snapshot = Snapshot.Empty;

    public NextHopTable()
        : this("/proc/net/route", "/proc/net/arp", LocalInterfaces, "/proc/net/ipv6_route", NetlinkNeighbours.ReadIPv6)
    {
    }

    /// <summary>
    /// For tests: the tables read from other files, the interfaces given; the IPv6 neighbours from
    /// <paramref name="readIPv6Neighbours"/>, read only when the IPv6 route file exists (the kernel has IPv6).
    /// </summary>
    internal NextHopTable(
        string routePath,
        string neighbourPath,
        Func<IEnumerable<(string Name, int Index, bool Ethernet, IReadOnlyList<uint> Addresses)>> interfaces,
        string ipv6RoutePath = "/nonexistent",
        Func<List<(PacketAddress Address, int InterfaceIndex, ulong HardwareAddress)>>? readIPv6Neighbours = null)
    {
        _routePath = routePath;
        _neighbourPath = neighbourPath;
        _interfaces = interfaces;
        _ipv6RoutePath = ipv6RoutePath;
        _readIPv6Neighbours = readIPv6Neighbours ?? (() => []);
    }

    /// <summary>
    /// The MAC address to send a packet for <paramref name="address"/> to when it leaves through interface
    /// <paramref name="interfaceIndex"/>; false when the kernel would send it elsewhere or the next hop is unknown.
    /// </summary>
    public bool TryResolve(PacketAddress address, int interfaceIndex, out ulong hardwareAddress)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        hardwareAddress = 0;
        if (!address.IsIPv4)
        {
            return TryResolveIPv6(snapshot, address, interfaceIndex, out hardwareAddress);
        }

        var destination = address.IPv4;
        if (snapshot.Local.Contains(destination))
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

    private static bool TryResolveIPv6(Snapshot snapshot, PacketAddress address, int interfaceIndex, out ulong hardwareAddress)
    {
        hardwareAddress = 0;
        var destination = address.ToUInt128();
        foreach (var route in snapshot.Routes6)
        {
            if (!route.Covers(destination))
            {
                continue;
            }

            // The first match is the kernel's choice; a local address's route (and one out of another interface) is not ours.
            if (route.InterfaceIndex != interfaceIndex)
            {
                return false;
            }

            var hop = route.Gateway != UInt128.Zero ? route.Gateway : destination;
            return snapshot.Neighbours6.TryGetValue((interfaceIndex, hop), out hardwareAddress);
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
        Route6[] routes6 = [];
        var neighbours6 = FrozenDictionary<(int, UInt128), ulong>.Empty;
        if (File.Exists(_ipv6RoutePath))
        {
            routes6 = ReadIPv6Routes(File.ReadLines(_ipv6RoutePath), ethernet);
            var indexes = ethernet.Values.ToHashSet();
            neighbours6 = _readIPv6Neighbours()
                .Where(n => indexes.Contains(n.InterfaceIndex))
                .DistinctBy(n => (n.InterfaceIndex, n.Address))
                .ToFrozenDictionary(n => (n.InterfaceIndex, n.Address.ToUInt128()), n => n.HardwareAddress);
        }

        Volatile.Write(ref _snapshot, new Snapshot(routes, neighbours, local, routes6, neighbours6));
    }

    /// <summary>
    /// The usable routes of <c>/proc/net/ipv6_route</c> (every table: up, not reject), longest prefix first, lowest
    /// metric first among equals. Routes of local and anycast addresses, and routes out of an interface that is not
    /// Ethernet, stay in the list (they win their prefixes) with index -1.
    /// </summary>
    internal static Route6[] ReadIPv6Routes(IEnumerable<string> lines, IReadOnlyDictionary<string, int> ethernet)
    {
        const uint RouteUp = 0x1, RouteReject = 0x200, RouteAnycast = 0x100000, RouteLocal = 0x80000000;
        var routes = new List<(Route6 Route, uint Metric)>();
        foreach (var line in lines)
        {
            // destination, prefix length, source, source prefix length, next hop, metric, references, use, flags, device
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10
                || !TryAddress(fields[0], out var destination) || !TryHex(fields[1], out var prefixLength) || prefixLength > 128
                || !TryAddress(fields[4], out var gateway) || !TryHex(fields[5], out var metric) || !TryHex(fields[8], out var flags)
                || (flags & RouteUp) == 0 || (flags & RouteReject) != 0)
            {
                continue;
            }

            var index = (flags & (RouteLocal | RouteAnycast)) == 0 && ethernet.TryGetValue(fields[9], out var found) ? found : -1;
            routes.Add((new Route6(destination, (int)prefixLength, gateway, index), metric));
        }

        return [.. routes.OrderByDescending(r => r.Route.PrefixLength).ThenBy(r => r.Metric).Select(r => r.Route)];
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
            .Where(nic => nic.Supports(NetworkInterfaceComponent.IPv4) || nic.Supports(NetworkInterfaceComponent.IPv6))
            .Select(nic => (nic.Name, Index(nic), nic.NetworkInterfaceType == NetworkInterfaceType.Ethernet,
                (IReadOnlyList<uint>)[.. nic.GetIPProperties().UnicastAddresses
                    .Select(u => PacketAddress.From(u.Address))
                    .Where(a => a.IsIPv4).Select(a => a.IPv4)]));

    private static int Index(NetworkInterface nic) =>
        nic.Supports(NetworkInterfaceComponent.IPv4) ? nic.GetIPProperties().GetIPv4Properties().Index : nic.GetIPProperties().GetIPv6Properties().Index;

    private static bool TryAddress(string hex, out UInt128 address) =>
        UInt128.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out address) & hex.Length == 32;

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

    /// <summary>One IPv6 route: packets whose address starts with the first <paramref name="PrefixLength"/> bits of <paramref name="Destination"/> leave through the interface.</summary>
    /// <param name="Destination">The network, as a number (first octet highest).</param>
    /// <param name="PrefixLength">Bits of the prefix, 0 to 128.</param>
    /// <param name="Gateway">The next hop (often link-local), or 0 when the destination is on-link.</param>
    /// <param name="InterfaceIndex">The Ethernet interface it leaves through; -1 when not Ethernet, or the route of a local or anycast address.</param>
    internal readonly record struct Route6(UInt128 Destination, int PrefixLength, UInt128 Gateway, int InterfaceIndex)
    {
        public bool Covers(UInt128 address) => PrefixLength == 0 || (address ^ Destination) >> (128 - PrefixLength) == UInt128.Zero;
    }

    private sealed record Snapshot(
        Route[] Routes, FrozenDictionary<ulong, ulong> Neighbours, FrozenSet<uint> Local, Route6[] Routes6, FrozenDictionary<(int, UInt128), ulong> Neighbours6)
    {
        public static readonly Snapshot Empty = new([], FrozenDictionary<ulong, ulong>.Empty, FrozenSet<uint>.Empty, [], FrozenDictionary<(int, UInt128), ulong>.Empty);
    }
}
