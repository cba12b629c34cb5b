using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// A key of the fast-path map: an IPv4 TCP packet's source and destination address and port, each as the packet
/// carries it (network order), which is how the XDP and TC programs copy them from the headers: bytes 12-19 of the IPv4
/// header, then bytes 0-3 of the TCP header.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct FastPathKey
{
    /// <summary>Bytes of a key in the map.</summary>
    public const int Size = 12;

    private readonly uint _source, _destination;
    private readonly ushort _sourcePort, _destinationPort;

    private FastPathKey(uint source, uint destination, ushort sourcePort, ushort destinationPort)
    {
        _source = source;
        _destination = destination;
        _sourcePort = sourcePort;
        _destinationPort = destinationPort;
    }

    /// <summary>The key of packets from <paramref name="source"/>:<paramref name="sourcePort"/> to <paramref name="destination"/>:<paramref name="destinationPort"/> (IPv4 addresses).</summary>
    public static FastPathKey Of(PacketAddress source, ushort sourcePort, PacketAddress destination, ushort destinationPort) =>
        new(InMemoryOrder(source.IPv4), InMemoryOrder(destination.IPv4), InMemoryOrder(sourcePort), InMemoryOrder(destinationPort));

    /// <summary>The key of <paramref name="packet"/>, an IPv4 packet with a 20-byte header followed by TCP.</summary>
    public static FastPathKey Of(ReadOnlySpan<byte> packet) =>
        new(MemoryMarshal.Read<uint>(packet[12..]), MemoryMarshal.Read<uint>(packet[16..]), MemoryMarshal.Read<ushort>(packet[20..]), MemoryMarshal.Read<ushort>(packet[22..]));

    /// <summary>The addresses and ports as they lie in memory, for <see cref="FastPathEntry.Rewrite"/>.</summary>
    internal (uint Source, uint Destination, ushort SourcePort, ushort DestinationPort) Raw => (_source, _destination, _sourcePort, _destinationPort);

    private static uint InMemoryOrder(uint networkValue) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(networkValue) : networkValue;

    private static ushort InMemoryOrder(ushort networkValue) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(networkValue) : networkValue;
}
