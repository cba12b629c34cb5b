using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Convey.RawPacket.Packets;

/// <summary>
/// An IPv4 or IPv6 address as the packet engine holds it: 16 bytes by value, no allocation. An IPv4 address is held
/// in its IPv4-mapped IPv6 form (<c>::ffff:a.b.c.d</c>), the form <see cref="Convey.Forwarding.FlowKey"/> uses too,
/// so one type names the destination of a packet, the keys of flows and routes, and a server, whatever the family.
/// </summary>
internal readonly struct PacketAddress : IEquatable<PacketAddress>, IComparable<PacketAddress>
{
    /// <summary>Bytes of an address as written in a packet or a socket address.</summary>
    public const int Length = 16;

    private const ulong MappedPrefix = 0x0000_FFFF_0000_0000UL;

    // The address's 16 bytes read big-endian: the first eight in _high, the last eight in _low.
    private readonly ulong _high;
    private readonly ulong _low;

    private PacketAddress(ulong high, ulong low)
    {
        _high = high;
        _low = low;
    }

    /// <summary>Whether this is an IPv4 address (held in its IPv4-mapped form).</summary>
    public bool IsIPv4 => _high == 0 && (_low & 0xFFFF_FFFF_0000_0000UL) == MappedPrefix;

    /// <summary>The IPv4 address as a big-endian number (198.18.0.2 is 0xC6120002); meaningful only when <see cref="IsIPv4"/>.</summary>
    public uint IPv4 => (uint)_low;

    /// <summary>Whether this is 0.0.0.0 or <c>::</c>, which no packet is addressed to.</summary>
    public bool IsUnspecified => _high == 0 && (_low == 0 || _low == MappedPrefix);

    /// <summary>The IPv4 address given as a big-endian number.</summary>
    public static PacketAddress FromIPv4(uint address) => new(0, MappedPrefix | address);

    /// <summary>The IPv6 address in the first 16 bytes of <paramref name="bytes"/> (network order, as in a header).</summary>
    public static PacketAddress FromIPv6(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    /// <summary>The address of <paramref name="address"/>: IPv4, IPv4-mapped IPv6 (taken as IPv4) or IPv6. Does not allocate.</summary>
    public static PacketAddress From(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[Length];
        address.TryWriteBytes(bytes, out var written);
        return address.AddressFamily == AddressFamily.InterNetwork && written == 4
            ? FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes))
            : FromIPv6(bytes);
    }

    /// <summary>The 128-bit big-endian number of the address (IPv4-mapped for IPv4), as <see cref="Convey.Forwarding.FlowKey"/> holds it.</summary>
    public UInt128 ToUInt128() => new(_high, _low);

    /// <summary>Writes the 16 bytes of the address (the IPv4-mapped form for IPv4) in network order.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    /// <summary>The address as .NET's type (allocates: not for the packet path).</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[Length];
        WriteTo(bytes);
        return IsIPv4 ? new IPAddress(bytes[12..]) : new IPAddress(bytes);
    }

    /// <inheritdoc />
    public bool Equals(PacketAddress other) => _high == other._high && _low == other._low;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PacketAddress other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_high, _low);

    /// <summary>Orders by the 128-bit number: IPv4 addresses come before global IPv6 ones.</summary>
    public int CompareTo(PacketAddress other) => ToUInt128().CompareTo(other.ToUInt128());

    /// <summary>The usual text form: dotted quad for IPv4, RFC 5952 for IPv6.</summary>
    public override string ToString() => ToIPAddress().ToString();

    public static bool operator ==(PacketAddress left, PacketAddress right) => left.Equals(right);

    public static bool operator !=(PacketAddress left, PacketAddress right) => !left.Equals(right);

    public static bool operator <(PacketAddress left, PacketAddress right) => left.CompareTo(right) < 0;

    public static bool operator >(PacketAddress left, PacketAddress right) => left.CompareTo(right) > 0;

    public static bool operator <=(PacketAddress left, PacketAddress right) => left.CompareTo(right) <= 0;

    public static bool operator >=(PacketAddress left, PacketAddress right) => left.CompareTo(right) >= 0;
}
