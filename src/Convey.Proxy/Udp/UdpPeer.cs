using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Convey.Proxy.Udp;

/// <summary>
/// A UDP address and port as the event loop handles it, without allocating: read from and written as a native
/// <c>sockaddr_in</c>/<c>sockaddr_in6</c>, the address held as a 128-bit number (IPv4 in its IPv4-mapped form).
/// </summary>
internal readonly struct UdpPeer
{
    private const ushort FamilyInet = 2;
    private const ushort FamilyInet6 = 10;
    private static readonly UInt128 MappedPrefix = new(0, 0x0000_FFFF_0000_0000UL);

    private UdpPeer(AddressFamily family, UInt128 address, ushort port, int interfaceIndex)
    {
        Family = family;
        Address = address;
        Port = port;
        InterfaceIndex = interfaceIndex;
    }

    public AddressFamily Family { get; }

    public UInt128 Address { get; }

    public ushort Port { get; }

    /// <summary>The interface of an IPv6 link-local address (its scope); 0 otherwise.</summary>
    public int InterfaceIndex { get; }

    /// <summary>Length of its <c>sockaddr</c>.</summary>
    public int NameLength => Family == AddressFamily.InterNetwork ? 16 : 28;

    /// <summary>Whether this is a real address (read from a datagram or an end point), not the default value.</summary>
    public bool IsSet => Family != AddressFamily.Unknown;

    public UdpSessionKey Key => new(Address, Port);

    public static UdpPeer FromIPv4(ReadOnlySpan<byte> address, ushort port, int interfaceIndex) =>
        new(AddressFamily.InterNetwork, MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(address), port, interfaceIndex);

    public static UdpPeer FromIPv6(ReadOnlySpan<byte> address, ushort port, int interfaceIndex) =>
        new(AddressFamily.InterNetworkV6, BinaryPrimitives.ReadUInt128BigEndian(address), port, interfaceIndex);

    /// <summary>Reads a native <c>sockaddr_in</c> or <c>sockaddr_in6</c>; an unset peer when it is neither.</summary>
    public static UdpPeer FromName(ReadOnlySpan<byte> name)
    {
        if (name.Length >= 16 && BitConverter.ToUInt16(name) == FamilyInet)
        {
            return FromIPv4(name.Slice(4, 4), BinaryPrimitives.ReadUInt16BigEndian(name[2..]), 0);
        }

        if (name.Length >= 28 && BitConverter.ToUInt16(name) == FamilyInet6)
        {
            return FromIPv6(name.Slice(8, 16), BinaryPrimitives.ReadUInt16BigEndian(name[2..]), BitConverter.ToInt32(name[24..]));
        }

        return default;
    }

    public static UdpPeer FromEndPoint(IPEndPoint endPoint)
    {
        Span<byte> bytes = stackalloc byte[16];
        endPoint.Address.TryWriteBytes(bytes, out var written);
        return written == 4
            ? FromIPv4(bytes[..4], (ushort)endPoint.Port, 0)
            : FromIPv6(bytes, (ushort)endPoint.Port, (int)endPoint.Address.ScopeId);
    }

    /// <summary>Writes the address alone: 4 bytes for IPv4, 16 for IPv6.</summary>
    public void WriteAddress(Span<byte> destination)
    {
        if (Family == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)Address);
        }
        else
        {
            BinaryPrimitives.WriteUInt128BigEndian(destination, Address);
        }
    }

    /// <summary>Writes its native <c>sockaddr</c> (<see cref="NameLength"/> bytes).</summary>
    public void CopyTo(Span<byte> name)
    {
        name[..NameLength].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(name[2..], Port);
        if (Family == AddressFamily.InterNetwork)
        {
            BitConverter.TryWriteBytes(name, FamilyInet);
            WriteAddress(name[4..]);
            return;
        }

        BitConverter.TryWriteBytes(name, FamilyInet6);
        WriteAddress(name[8..]);
        BitConverter.TryWriteBytes(name[24..], InterfaceIndex);
    }

    public IPEndPoint ToEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteAddress(bytes);
        return Family == AddressFamily.InterNetwork
            ? new IPEndPoint(new IPAddress(bytes[..4]), Port)
            : new IPEndPoint(new IPAddress(bytes, InterfaceIndex), Port);
    }

    public override string ToString() => ToEndPoint().ToString();
}
