using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// A key of the steering program's map of what the engine serves: a destination address (IPv4 as an IPv4-mapped
/// IPv6 address, so one map holds both families) and a TCP destination port in network order. Port 0 stands for
/// "the NAT reply ports (<see cref="Tracking.NatPortAllocator"/>'s range) on this address": no frontend listens on port 0.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct SteeringKey
{
    /// <summary>Bytes of a key in the map: 16 of address, 2 of port, 2 of padding (always zero).</summary>
    public const int Size = 20;

    // The address as the kernel reads it: four 32-bit words in memory order.
    private readonly uint _address0, _address1, _address2, _address3;
    private readonly ushort _port;
    private readonly ushort _padding;

    private SteeringKey(PacketAddress address, ushort portInNetworkOrder)
    {
        Span<byte> bytes = stackalloc byte[PacketAddress.Length];
        address.WriteTo(bytes);
        _address0 = MemoryMarshal.Read<uint>(bytes);
        _address1 = MemoryMarshal.Read<uint>(bytes[4..]);
        _address2 = MemoryMarshal.Read<uint>(bytes[8..]);
        _address3 = MemoryMarshal.Read<uint>(bytes[12..]);
        _port = portInNetworkOrder;
        _padding = 0;
    }

    /// <summary>TCP packets to <paramref name="address"/>:<paramref name="port"/> (a frontend).</summary>
    public static SteeringKey Frontend(PacketAddress address, ushort port)
    {
        ArgumentOutOfRangeException.ThrowIfZero(port);
        return new(address, BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(port) : port);
    }

    /// <summary>TCP packets to the NAT port range on <paramref name="address"/> (passthrough replies).</summary>
    public static SteeringKey NatReplies(PacketAddress address) => new(address, 0);
}
