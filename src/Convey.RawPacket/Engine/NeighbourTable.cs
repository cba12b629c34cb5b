using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Convey.RawPacket.Engine;

/// <summary>
/// MAC addresses of L2 DSR servers, read from the kernel's neighbour table (<c>/proc/net/arp</c>). Lookups are
/// lock-free; <see cref="Refresh"/> runs off the packet path and nudges the kernel to resolve missing entries.
/// </summary>
internal sealed class NeighbourTable
{
    private readonly ConcurrentDictionary<uint, ulong> _resolved = new();
    private readonly ConcurrentDictionary<uint, byte> _wanted = new();
    private readonly string _arpPath;

    public NeighbourTable(string arpPath = "/proc/net/arp") => _arpPath = arpPath;

    public bool TryGet(uint address, out ulong hardwareAddress)
    {
        if (_resolved.TryGetValue(address, out hardwareAddress))
        {
            return true;
        }

        _wanted.TryAdd(address, 0);
        return false;
    }

    /// <summary>Asks for <paramref name="address"/> to be resolved on the next refresh.</summary>
    public void Want(uint address) => _wanted.TryAdd(address, 0);

    /// <summary>Re-reads the kernel's table; for addresses still unknown, sends a datagram so the kernel resolves them.</summary>
    public void Refresh()
    {
        if (_wanted.IsEmpty)
        {
            return;
        }

        var table = Read();
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

    /// <summary>Parses the kernel's table: complete entries only (flag 0x2).</summary>
    internal Dictionary<uint, ulong> Read()
    {
        var table = new Dictionary<uint, ulong>();
        if (!File.Exists(_arpPath))
        {
            return table;
        }

        foreach (var line in File.ReadLines(_arpPath).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4 || !IPAddress.TryParse(fields[0], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork ||
                !int.TryParse(fields[2].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags) || (flags & 2) == 0)
            {
                continue;
            }

            var octets = fields[3].Split(':');
            if (octets.Length != 6)
            {
                continue;
            }

            ulong mac = 0;
            foreach (var octet in octets)
            {
                mac = (mac << 8) | byte.Parse(octet, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }

            var bytes = ip.GetAddressBytes();
            table[(uint)((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3])] = mac;
        }

        return table;
    }

    private static void Probe(uint address)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            // The discard port: the datagram only makes the kernel resolve the neighbour.
            socket.SendTo([0], new IPEndPoint(new IPAddress(IPAddress.HostToNetworkOrder((int)address)), 9));
        }
        catch (SocketException)
        {
            // Unreachable right now; the next refresh tries again.
        }
    }
}
