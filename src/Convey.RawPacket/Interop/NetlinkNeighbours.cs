using System.Buffers.Binary;
using System.ComponentModel;
using System.Runtime.InteropServices;
using Convey.RawPacket.Packets;
using Microsoft.Win32.SafeHandles;

namespace Convey.RawPacket.Interop;

/// <summary>
/// Reads the kernel's IPv6 neighbour table (what <c>ip -6 neigh</c> shows) with one RTM_GETNEIGH dump over an
/// AF_NETLINK socket: IPv6 has no <c>/proc/net/arp</c>. Only entries with a link-layer address in a usable state count.
/// </summary>
internal static class NetlinkNeighbours
{
    private const ushort NlmsgDone = 3;
    private const ushort NlmsgError = 2;
    private const ushort RtmNewNeigh = 28;
    private const ushort RtmGetNeigh = 30;
    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFDump = 0x300;
    private const ushort NdaDestination = 1;
    private const ushort NdaLinkLayerAddress = 2;
    private const int MessageHeaderLength = 16;
    private const int NeighbourHeaderLength = 12;

    /// <summary>NUD_REACHABLE, STALE, DELAY, PROBE, NOARP, PERMANENT: the kernel sends to these without resolving first.</summary>
    private const ushort UsableStates = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;

    /// <summary>Receives of one dump, at most: a table of 100 000 entries fits in far fewer.</summary>
    private const int MaxReceives = 10_000;

    /// <summary>
    /// The kernel's resolved IPv6 neighbours: address, the interface it was resolved on (a link-local address is only
    /// unique with it) and MAC (in the low 48 bits, first octet highest).
    /// </summary>
    /// <exception cref="IOException">The dump failed.</exception>
    public static unsafe List<(PacketAddress Address, int InterfaceIndex, ulong HardwareAddress)> ReadIPv6()
    {
        var fd = Libc.Socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_ROUTE);
        if (fd < 0)
        {
            throw Failed("socket(AF_NETLINK)");
        }

        using var socket = new SafeFileHandle(fd, ownsHandle: true);
        Span<byte> request = stackalloc byte[MessageHeaderLength + NeighbourHeaderLength];
        request.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)request.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(request[4..], RtmGetNeigh);
        BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NlmFRequest | NlmFDump);
        BinaryPrimitives.WriteUInt32LittleEndian(request[8..], 1);
        request[MessageHeaderLength] = Libc.AF_INET6;
        fixed (byte* data = request)
        {
            // An unconnected netlink socket sends to the kernel.
            if (Libc.Send(socket, data, (nuint)request.Length, 0) != request.Length)
            {
                throw Failed("send(RTM_GETNEIGH)");
            }
        }

        var table = new List<(PacketAddress, int, ulong)>();
        var buffer = new byte[32768];
        for (var i = 0; i < MaxReceives; i++)
        {
            // The kernel answers a dump at once; a second without an answer is a kernel that will not.
            var poll = new PollDescriptor { Fd = fd, Events = Libc.POLLIN };
            if (Libc.Poll(&poll, 1, 1000) <= 0)
            {
                throw new IOException("The kernel did not answer the neighbour table dump within a second.");
            }

            nint received;
            fixed (byte* data = buffer)
            {
                received = Libc.Recv(socket, data, (nuint)buffer.Length, 0);
            }

            if (received < 0)
            {
                throw Failed("recv(RTM_GETNEIGH)");
            }

            if (Parse(buffer.AsSpan(0, (int)received), table))
            {
                return table;
            }
        }

        throw new IOException($"The neighbour table dump did not end within {MaxReceives} receives.");
    }

    /// <summary>Adds the usable IPv6 entries of one receive of a dump to <paramref name="table"/>; true when the dump is over.</summary>
    /// <exception cref="IOException">The kernel answered with an error.</exception>
    internal static bool Parse(ReadOnlySpan<byte> messages, List<(PacketAddress Address, int InterfaceIndex, ulong HardwareAddress)> table)
    {
        while (messages.Length >= MessageHeaderLength)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(messages);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(messages[4..]);
            if (length < MessageHeaderLength || length > messages.Length)
            {
                throw new IOException($"A netlink message of {length} bytes does not fit in the {messages.Length} received.");
            }

            if (type == NlmsgDone)
            {
                return true;
            }

            if (type == NlmsgError && length >= MessageHeaderLength + 4 && BinaryPrimitives.ReadInt32LittleEndian(messages[MessageHeaderLength..]) is var error and < 0)
            {
                throw new IOException($"The kernel refused the neighbour table dump: {Marshal.GetPInvokeErrorMessage(-error)}.");
            }

            if (type == RtmNewNeigh && length >= MessageHeaderLength + NeighbourHeaderLength)
            {
                Read(messages[MessageHeaderLength..length], table);
            }

            messages = messages[Math.Min(messages.Length, Align(length))..];
        }

        return false;
    }

    private static void Read(ReadOnlySpan<byte> neighbour, List<(PacketAddress, int, ulong)> table)
    {
        var state = BinaryPrimitives.ReadUInt16LittleEndian(neighbour[8..]);
        if (neighbour[0] != Libc.AF_INET6 || (state & UsableStates) == 0)
        {
            return;
        }

        PacketAddress? address = null;
        ulong? mac = null;
        var attributes = neighbour[NeighbourHeaderLength..];
        while (attributes.Length >= 4)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]);
            if (length < 4 || length > attributes.Length)
            {
                return;
            }

            var value = attributes[4..length];
            if (type == NdaDestination && value.Length == PacketAddress.Length)
            {
                address = PacketAddress.FromIPv6(value);
            }
            else if (type == NdaLinkLayerAddress && value.Length == 6)
            {
                mac = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(value) << 32) | BinaryPrimitives.ReadUInt32BigEndian(value[2..]);
            }

            attributes = attributes[Math.Min(attributes.Length, Align(length))..];
        }

        if (address is { } found && mac is { } hardwareAddress)
        {
            // struct ndmsg: family, 3 bytes of padding, then the interface index.
            table.Add((found, BinaryPrimitives.ReadInt32LittleEndian(neighbour[4..]), hardwareAddress));
        }
    }

    private static int Align(int length) => (length + 3) & ~3;

    private static IOException Failed(string call)
    {
        var error = Marshal.GetLastPInvokeError();
        return new IOException($"{call} failed: {Marshal.GetPInvokeErrorMessage(error)}", new Win32Exception(error));
    }
}
