using System.Globalization;
using System.Net;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The complete entries (flag 0x2) of the kernel's IPv4 neighbour table as <c>/proc/net/arp</c> lists them; lines
/// that do not parse are skipped. One reader for the L2 DSR neighbours and the next hops.
/// </summary>
internal static class ArpEntries
{
    /// <summary>The complete entries of <paramref name="lines"/> (the header line included): address, MAC and device.</summary>
    public static IEnumerable<(PacketAddress Address, ulong HardwareAddress, string Device)> Parse(IEnumerable<string> lines)
    {
        const int Complete = 0x2;
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || !IPAddress.TryParse(fields[0], out var ip) || PacketAddress.From(ip) is not { IsIPv4: true } address
                || !fields[2].StartsWith("0x", StringComparison.Ordinal)
                || !uint.TryParse(fields[2].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags) || (flags & Complete) == 0
                || !TryMac(fields[3], out var mac) || mac == 0)
            {
                continue;
            }

            yield return (address, mac, fields[5]);
        }
    }

    private static bool TryMac(string text, out ulong mac)
    {
        mac = 0;
        var octets = text.Split(':');
        if (octets.Length != 6)
        {
            return false;
        }

        foreach (var octet in octets)
        {
            if (!byte.TryParse(octet, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            mac = (mac << 8) | value;
        }

        return true;
    }
}
