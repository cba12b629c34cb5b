using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Convey.Forwarding;

/// <summary>
/// The addresses and ports that identify a flow, as seen by the balancer. IPv4 addresses are held
/// in their IPv4-mapped IPv6 form so one key type serves both families without allocating.
/// </summary>
public readonly record struct FlowKey
{
    /// <summary>Creates a key from raw values.</summary>
    /// <param name="sourceAddress">Client address as a 128-bit big-endian number (IPv4-mapped for IPv4).</param>
    /// <param name="sourcePort">Client port.</param>
    /// <param name="destinationAddress">Frontend address as a 128-bit big-endian number (IPv4-mapped for IPv4).</param>
    /// <param name="destinationPort">Frontend port.</param>
    internal FlowKey(UInt128 sourceAddress, ushort sourcePort, UInt128 destinationAddress, ushort destinationPort)
    {
        SourceAddress = sourceAddress;
        SourcePort = sourcePort;
        DestinationAddress = destinationAddress;
        DestinationPort = destinationPort;
    }

    /// <summary>Client address (IPv4-mapped IPv6 form for IPv4).</summary>
    public UInt128 SourceAddress { get; }

    /// <summary>Client port.</summary>
    public ushort SourcePort { get; }

    /// <summary>Frontend address (IPv4-mapped IPv6 form for IPv4).</summary>
    public UInt128 DestinationAddress { get; }

    /// <summary>Frontend port.</summary>
    public ushort DestinationPort { get; }

    /// <summary>Builds a key from two IPv4 addresses given as numbers (read big-endian from a packet: 198.18.0.2 is 0xC6120002).</summary>
    internal static FlowKey FromIPv4(uint sourceAddress, ushort sourcePort, uint destinationAddress, ushort destinationPort) =>
        new(MapIPv4(sourceAddress), sourcePort, MapIPv4(destinationAddress), destinationPort);

    /// <summary>Builds a key from socket end points (client and local listener).</summary>
    public static FlowKey FromEndPoints(IPEndPoint source, IPEndPoint destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        return new(ToUInt128(source.Address), (ushort)source.Port, ToUInt128(destination.Address), (ushort)destination.Port);
    }

    /// <summary>Converts an address to the 128-bit form used by <see cref="FlowKey"/>.</summary>
    internal static UInt128 ToUInt128(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            // The IPv4-mapped form (::ffff:a.b.c.d), written in place: MapToIPv6 would allocate per connection.
            address.TryWriteBytes(bytes, out _);
            return MapIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static UInt128 MapIPv4(uint address) => new(0, 0x0000_FFFF_0000_0000UL | address);
}
