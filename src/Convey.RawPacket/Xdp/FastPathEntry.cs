using System.Runtime.InteropServices;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// A value of the fast-path map: what the TC program does to a packet of the key's flow, and what it counts. The
/// rewrite is exactly the one the pipeline did to the flow's packet in user space: the Ethernet addresses (next hop,
/// ours), the IPv4 addresses and TCP ports, laid out as in the packet so the program copies each group with one
/// <c>bpf_skb_store_bytes</c>; the checksum differences are computed once here, so the program adds them without
/// reading the old values. The counters are updated by the program (atomic adds) and read by user space.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal unsafe struct FastPathEntry
{
    /// <summary>Bytes of a value in the map.</summary>
    public const int Size = 64;

    /// <summary>Offsets the TC program reads at.</summary>
    public const short MacsOffset = 0, PortsOffset = 12, AddressesOffset = 16, InterfaceOffset = 24, AddressDeltaOffset = 28,
        PortDeltaOffset = 32, PacketsOffset = 40, BytesOffset = 48, LastSeenOffset = 56;

    [FieldOffset(MacsOffset)]
    private fixed byte _macs[12];

    [FieldOffset(PortsOffset)]
    private ushort _sourcePort;

    [FieldOffset(PortsOffset + 2)]
    private ushort _destinationPort;

    [FieldOffset(AddressesOffset)]
    private uint _source;

    [FieldOffset(AddressesOffset + 4)]
    private uint _destination;

    [FieldOffset(InterfaceOffset)]
    private int _interfaceIndex;

    [FieldOffset(AddressDeltaOffset)]
    private uint _addressDelta;

    [FieldOffset(PortDeltaOffset)]
    private uint _portDelta;

    [FieldOffset(PacketsOffset)]
    private ulong _packets;

    [FieldOffset(BytesOffset)]
    private ulong _bytes;

    [FieldOffset(LastSeenOffset)]
    private ulong _lastSeen;

    /// <summary>Packets the TC program forwarded.</summary>
    public readonly ulong Packets => _packets;

    /// <summary>Bytes of those packets (IPv4 total length).</summary>
    public readonly ulong Bytes => _bytes;

    /// <summary>When the program last forwarded one (<c>bpf_ktime_get_ns</c>, CLOCK_MONOTONIC).</summary>
    public readonly ulong LastSeenNanoseconds => _lastSeen;

    /// <summary>Where the program sends the flow's packets.</summary>
    public readonly int InterfaceIndex => _interfaceIndex;

    /// <summary>
    /// The entry that turns packets of <paramref name="from"/> into packets of <paramref name="to"/>, sent to
    /// <paramref name="destinationMac"/> from <paramref name="sourceMac"/> (the low 48 bits, first octet highest) out
    /// of <paramref name="interfaceIndex"/>.
    /// </summary>
    public static FastPathEntry Rewrite(FastPathKey from, FastPathKey to, ulong destinationMac, ulong sourceMac, int interfaceIndex)
    {
        var (oldSource, oldDestination, oldSourcePort, oldDestinationPort) = from.Raw;
        var (source, destination, sourcePort, destinationPort) = to.Raw;
        var entry = new FastPathEntry
        {
            _source = source,
            _destination = destination,
            _sourcePort = sourcePort,
            _destinationPort = destinationPort,
            _interfaceIndex = interfaceIndex,
            _addressDelta = Difference(Words(oldSource) + Words(oldDestination), Words(source) + Words(destination)),
            _portDelta = Difference((uint)oldSourcePort + oldDestinationPort, (uint)sourcePort + destinationPort),
        };
        for (var i = 0; i < 6; i++)
        {
            entry._macs[i] = (byte)(destinationMac >> (40 - (8 * i)));
            entry._macs[6 + i] = (byte)(sourceMac >> (40 - (8 * i)));
        }

        return entry;
    }

    /// <summary>
    /// The one's-complement difference (RFC 1624) that turns a checksum over 16-bit words summing to <paramref name="old"/>
    /// into one over words summing to <paramref name="new"/>: the sum of the new words and the complements of the old, folded
    /// to 16 bits, as the kernel's <c>csum_replace_by_diff</c> takes it. The words are summed as they lie in memory, as the
    /// kernel sums them.
    /// </summary>
    private static uint Difference(uint old, uint @new) => Fold(Fold(@new) + (~Fold(old) & 0xFFFF));

    private static uint Words(uint value) => (value & 0xFFFF) + (value >> 16);

    private static uint Fold(uint sum)
    {
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (sum & 0xFFFF) + (sum >> 16);
    }
}
