using System.Buffers.Binary;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

/// <summary>
/// An AF_PACKET SOCK_DGRAM socket for IPv4 on one interface: receives packets from the IPv4 header on (with
/// PACKET_AUXDATA, outgoing packets skipped) through a classic BPF filter, optionally in a PACKET_FANOUT group,
/// and sends IPv4 packets to a given MAC address (the kernel adds the Ethernet header).
/// </summary>
internal sealed unsafe class PacketSocket : IDisposable
{
    private const int ControlBufferLength = 64;
    private readonly PacketSocketHandle _handle;
    private readonly int _interfaceIndex;
    private readonly byte* _control = (byte*)NativeMemory.AllocZeroed(ControlBufferLength);

    private PacketSocket(PacketSocketHandle handle, int interfaceIndex)
    {
        _handle = handle;
        _interfaceIndex = interfaceIndex;
    }

    /// <summary>Opens, filters and binds a socket on <paramref name="interfaceIndex"/> and joins fanout group <paramref name="fanoutGroup"/> (0: none).</summary>
    /// <exception cref="Win32Exception">A system call failed (often: missing CAP_NET_RAW).</exception>
    public static PacketSocket Open(int interfaceIndex, ReadOnlySpan<SocketFilterInstruction> filter, ushort fanoutGroup, TimeSpan receiveTimeout)
    {
        // Protocol 0 receives nothing until bind, so no packet slips in before the filter is attached.
        var fd = Libc.Socket(Libc.AF_PACKET, Libc.SOCK_DGRAM, 0);
        if (fd < 0)
        {
            throw LastError("socket(AF_PACKET)");
        }

        var socket = new PacketSocket(new PacketSocketHandle(fd), interfaceIndex);
        try
        {
            fixed (SocketFilterInstruction* instructions = filter)
            {
                var program = new SocketFilterProgram { Length = (ushort)filter.Length, Instructions = instructions };
                socket.SetOption(Libc.SOL_SOCKET, Libc.SO_ATTACH_FILTER, &program, sizeof(SocketFilterProgram), "SO_ATTACH_FILTER");
            }

            var one = 1;
            socket.SetOption(Libc.SOL_PACKET, Libc.PACKET_AUXDATA, &one, sizeof(int), "PACKET_AUXDATA");
            // Linux 4.20+; older kernels still work because Receive checks the packet type as well.
            Libc.SetSockOpt(socket._handle, Libc.SOL_PACKET, Libc.PACKET_IGNORE_OUTGOING, &one, sizeof(int));
            var buffer = 8 << 20;
            Libc.SetSockOpt(socket._handle, Libc.SOL_SOCKET, Libc.SO_RCVBUF, &buffer, sizeof(int));
            var timeout = new TimeValue { Seconds = (long)receiveTimeout.TotalSeconds, Microseconds = receiveTimeout.Milliseconds * 1000L };
            socket.SetOption(Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, &timeout, sizeof(TimeValue), "SO_RCVTIMEO");

            var address = socket.LinkAddress(0);
            if (Libc.Bind(socket._handle, &address, sizeof(SockAddrLinkLayer)) != 0)
            {
                throw LastError("bind(AF_PACKET)");
            }

            if (fanoutGroup != 0)
            {
                var fanout = fanoutGroup | (Libc.PACKET_FANOUT_HASH << 16);
                socket.SetOption(Libc.SOL_PACKET, Libc.PACKET_FANOUT, &fanout, sizeof(int), "PACKET_FANOUT");
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits for one packet (up to the receive timeout). Returns its full length, which is larger than
    /// <paramref name="buffer"/> when it was cut; -1 on timeout or when it was an outgoing packet.
    /// </summary>
    public int Receive(Span<byte> buffer, out bool checksumNotReady)
    {
        checksumNotReady = false;
        SockAddrLinkLayer from;
        fixed (byte* data = buffer)
        {
            var vector = new IOVector { Base = data, Length = (nuint)buffer.Length };
            var message = new MessageHeader
            {
                Name = &from,
                NameLength = (uint)sizeof(SockAddrLinkLayer),
                Vectors = &vector,
                VectorCount = 1,
                Control = _control,
                ControlLength = ControlBufferLength,
            };
            var received = Libc.RecvMsg(_handle, &message, Libc.MSG_TRUNC);
            if (received < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                return error is Libc.EAGAIN or Libc.EINTR ? -1 : throw new Win32Exception(error, "recvmsg(AF_PACKET)");
            }

            if (from.PacketType == Libc.PACKET_OUTGOING)
            {
                return -1;
            }

            checksumNotReady = (ReadAuxStatus(ref message) & Libc.TP_STATUS_CSUMNOTREADY) != 0;
            return (int)received;
        }
    }

    /// <summary>Sends an IPv4 packet in a frame to <paramref name="hardwareAddress"/>; false when the kernel refused it.</summary>
    public bool Send(ReadOnlySpan<byte> packet, ulong hardwareAddress)
    {
        var address = LinkAddress(hardwareAddress);
        fixed (byte* data = packet)
        {
            return Libc.SendTo(_handle, data, (nuint)packet.Length, 0, &address, sizeof(SockAddrLinkLayer)) == packet.Length;
        }
    }

    public void Dispose()
    {
        _handle.Dispose();
        NativeMemory.Free(_control);
    }

    private static Win32Exception LastError(string call)
    {
        var error = Marshal.GetLastPInvokeError();
        return new Win32Exception(error, $"{call} failed: {Marshal.GetPInvokeErrorMessage(error)} (the packet engine needs CAP_NET_RAW and CAP_NET_ADMIN)");
    }

    private uint ReadAuxStatus(ref MessageHeader message)
    {
        var offset = 0;
        while (offset + sizeof(ControlMessageHeader) <= (int)message.ControlLength)
        {
            var header = (ControlMessageHeader*)(_control + offset);
            if (header->Length < (nuint)sizeof(ControlMessageHeader))
            {
                break;
            }

            if (header->Level == Libc.SOL_PACKET && header->Type == Libc.PACKET_AUXDATA)
            {
                return ((PacketAuxData*)(header + 1))->Status;
            }

            offset += (int)((header->Length + 7) & ~(nuint)7);
        }

        return 0;
    }

    private void SetOption(int level, int name, void* value, int length, string what)
    {
        if (Libc.SetSockOpt(_handle, level, name, value, length) != 0)
        {
            throw LastError($"setsockopt({what})");
        }
    }

    private SockAddrLinkLayer LinkAddress(ulong hardwareAddress)
    {
        var address = new SockAddrLinkLayer
        {
            Family = Libc.AF_PACKET,
            Protocol = BinaryPrimitives.ReverseEndianness(Libc.ETH_P_IP),
            InterfaceIndex = _interfaceIndex,
            AddressLength = 6,
        };
        for (var i = 0; i < 6; i++)
        {
            address.Address[i] = (byte)(hardwareAddress >> (40 - (8 * i)));
        }

        return address;
    }
}
