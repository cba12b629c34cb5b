using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Convey.RawPacket.Packets;

/// <summary>Converts addresses to the big-endian numbers the packet views use (198.18.0.2 is 0xC6120002).</summary>
internal static class IPv4Address
{
    /// <summary>The number of an IPv4 (or IPv4-mapped IPv6) address; false for any other address.</summary>
    public static bool TryGet(IPAddress address, out uint value)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily != AddressFamily.InterNetwork || !address.TryWriteBytes(bytes, out _))
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        return true;
    }
}
