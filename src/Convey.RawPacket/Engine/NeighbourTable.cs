using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Convey.RawPacket.Interop;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Engine;

/// <summary>
/// MAC addresses of L2 DSR servers, read from the kernel's neighbour tables: <c>/proc/net/arp</c> for IPv4, a netlink
/// dump for IPv6 (neighbour discovery). Lookups are lock-free; <see cref="Refresh"/> runs off the packet path and nudges
/// the kernel to resolve missing entries.
/// </summary>
internal sealed class NeighbourTable
{
    private readonly ConcurrentDictionary<PacketAddress, ulong> _resolved = new();
    private readonly ConcurrentDictionary<PacketAddress, byte> _wanted = new();
    private readonly string _arpPath;
    private readonly Func<Dictionary<PacketAddress, ulong>> _readIPv6;

    /// <summary>A table over the kernel's, or (for tests) over another ARP file and IPv6 source.</summary>
    public NeighbourTable(string arpPath = "/proc/net/arp", Func<Dictionary<PacketAddress, ulong>>? readIPv6 = null)
    {
        _arpPath = arpPath;
        _readIPv6 = readIPv6 ?? ReadIPv6;
    }

    public bool TryGet(PacketAddress address, out ulong hardwareAddress)
    {
        if (_resolved.TryGetValue(address, out hardwareAddress))
        {
            return true;
        }

        _wanted.TryAdd(address, 0);
        return false;
    }

    /// <summary>Asks for <paramref name="address"/> to be resolved on the next refresh.</summary>
    public void Want(PacketAddress address) => _wanted.TryAdd(address, 0);

    /// <summary>Re-reads the kernel's tables; for addresses still unknown, sends a datagram so the kernel resolves them.</summary>
    /// <exception cref="IOException">A table could not be read.</exception>
    public void Refresh()
    {
        if (_wanted.IsEmpty)
        {
            return;
        }

        var table = Read();
        if (_wanted.Keys.Any(a => !a.IsIPv4))
        {
            foreach (var (address, mac) in _readIPv6())
            {
                table[address] = mac;
            }
        }

        foreach (var address in _wanted.Keys)
        {
            if (table.TryGetValue(address, out var mac))
            {
                _resolved[address] = mac;
            }
            else
            {
                _resolved.TryRemove(address, out _);
                Probe(address);
            }
        }
    }

    /// <summary>Parses the kernel's ARP table: complete entries only (flag 0x2).</summary>
    internal Dictionary<PacketAddress, ulong> Read()
    {
        var table = new Dictionary<PacketAddress, ulong>();
        if (!File.Exists(_arpPath))
        {
            return table;
        }

        foreach (var (address, mac, _) in ArpEntries.Parse(File.ReadLines(_arpPath)))
        {
            table[address] = mac;
        }

        return table;
    }

    /// <summary>The kernel's IPv6 neighbours by address (a server's global address is resolved on one interface).</summary>
    private static Dictionary<PacketAddress, ulong> ReadIPv6()
    {
        var table = new Dictionary<PacketAddress, ulong>();
        foreach (var (address, _, mac) in NetlinkNeighbours.ReadIPv6())
        {
            table[address] = mac;
        }

        return table;
    }

    private static void Probe(PacketAddress address)
    {
        try
        {
            var ip = address.ToIPAddress();
            using var socket = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            // The discard port: the datagram only makes the kernel resolve the neighbour (ARP, or neighbour discovery).
            socket.SendTo([0], new IPEndPoint(ip, 9));
        }
        catch (SocketException)
        {
            // Unreachable right now; the next refresh tries again.
        }
    }
}
