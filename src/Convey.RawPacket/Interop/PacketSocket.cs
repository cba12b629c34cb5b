using System.Buffers.Binary;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

/// <summary>
/// An AF_PACKET SOCK_DGRAM socket on one interface with a TPACKET_V2 receive ring: the kernel writes packets (from
/// the IP header on, outgoing ones skipped) through a classic BPF filter into frames of memory shared with this
/// process, optionally in a PACKET_FANOUT group; sends go out with <c>sendmmsg</c>, each to its own MAC address (the
/// kernel adds the Ethernet header). A packet larger than a frame (a GSO/GRO super-packet) is marked TP_STATUS_COPY in
/// its frame and also queued whole on the socket, where <see cref="ReceiveCopy"/> reads it.
/// </summary>
internal sealed unsafe class PacketSocket : IDisposable
{
    /// <summary>Ring memory per socket: as much as the receive buffer the socket had before it had a ring.</summary>
    public const int RingSize = 8 << 20;

    /// <summary>Where the kernel puts the IP header in a frame of a SOCK_DGRAM socket: TPACKET_ALIGN(TPACKET2_HDRLEN) + 16.</summary>
    private const int FrameHeadroom = 80;
    private const int MinFrameSize = 2048;
    private const int MaxFrameSize = 1 << 17;
    private const int BlockSize = 1 << 17;
    private readonly PacketSocketHandle _handle;
    private byte* _ring;

    private PacketSocket(PacketSocketHandle handle, int interfaceIndex, int frameSize)
    {
        _handle = handle;
        InterfaceIndex = interfaceIndex;
        FrameSize = frameSize;
    }

    /// <summary>The interface it is bound to.</summary>
    public int InterfaceIndex { get; }

    /// <summary>Bytes per frame of the ring: a power of two that holds a packet of the interface's MTU.</summary>
    public int FrameSize { get; }

    /// <summary>The whole receive ring.</summary>
    public Span<byte> Ring => new(_ring, RingSize);

    /// <summary>The frame size for an interface of MTU <paramref name="mtu"/>.</summary>
    public static int FrameSizeFor(int mtu) =>
        (int)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(0, mtu) + FrameHeadroom), MinFrameSize, MaxFrameSize);

    /// <summary>
    /// Opens, filters and binds a socket on <paramref name="interfaceIndex"/> (of MTU <paramref name="mtu"/>) with its
    /// receive ring and joins fanout group <paramref name="fanoutGroup"/> (0: none).
    /// </summary>
    /// <exception cref="Win32Exception">A system call failed (often: missing CAP_NET_RAW).</exception>
    public static PacketSocket Open(int interfaceIndex, int mtu, ReadOnlySpan<SocketFilterInstruction> filter, ushort fanoutGroup)
    {
        // Protocol 0 receives nothing until bind, so no packet slips in before the filter is attached.
        var fd = Libc.Socket(Libc.AF_PACKET, Libc.SOCK_DGRAM, 0);
        if (fd < 0)
        {
            throw LastError("socket(AF_PACKET)");
        }

        var socket = new PacketSocket(new PacketSocketHandle(fd), interfaceIndex, FrameSizeFor(mtu));
        try
        {
            fixed (SocketFilterInstruction* instructions = filter)
            {
                var program = new SocketFilterProgram { Length = (ushort)filter.Length, Instructions = instructions };
                socket.SetOption(Libc.SOL_SOCKET, Libc.SO_ATTACH_FILTER, &program, sizeof(SocketFilterProgram), "SO_ATTACH_FILTER");
            }

            // Linux 4.20+; older kernels still work because the ring walk checks the packet type as well.
            var one = 1;
            Libc.SetSockOpt(socket._handle, Libc.SOL_PACKET, Libc.PACKET_IGNORE_OUTGOING, &one, sizeof(int));
            socket.MapRing();

            // Every protocol: the filter takes IPv4 and IPv6 by the frame's EtherType.
            var address = socket.LinkAddress(0, Libc.ETH_P_ALL);
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

    /// <summary>Waits until the kernel hands over a frame or <paramref name="timeoutMilliseconds"/> pass.</summary>
    /// <exception cref="Win32Exception">poll failed for another reason than a signal.</exception>
    public void Wait(int timeoutMilliseconds)
    {
        var poll = new PollDescriptor { Fd = (int)_handle.DangerousGetHandle(), Events = Libc.POLLIN };
        if (Libc.Poll(&poll, 1, timeoutMilliseconds) < 0 && Marshal.GetLastPInvokeError() is var error && error != Libc.EINTR)
        {
            throw new Win32Exception(error, "poll(AF_PACKET)");
        }
    }

    /// <summary>
    /// Reads the whole packet of the oldest frame marked TP_STATUS_COPY into <paramref name="buffer"/>; returns its
    /// length (more than the buffer when it was cut), or -1 when none is queued.
    /// </summary>
    public int ReceiveCopy(Span<byte> buffer)
    {
        fixed (byte* data = buffer)
        {
            var vector = new IOVector { Base = data, Length = (nuint)buffer.Length };
            var message = new MessageHeader { Vectors = &vector, VectorCount = 1 };
            var received = Libc.RecvMsg(_handle, &message, Libc.MSG_TRUNC | Libc.MSG_DONTWAIT);
            return received < 0 ? -1 : (int)received;
        }
    }

    /// <summary>Sends <paramref name="count"/> prepared messages; returns how many the kernel took (-1 when it refused the first).</summary>
    public int SendMany(MultiMessageHeader* messages, int count) => Libc.SendMmsg(_handle, messages, (uint)count, 0);

    /// <summary>The link-layer address of a frame to <paramref name="hardwareAddress"/> carrying <paramref name="protocol"/> on this socket's interface.</summary>
    public SockAddrLinkLayer LinkAddress(ulong hardwareAddress, ushort protocol)
    {
        var address = new SockAddrLinkLayer
        {
            Family = Libc.AF_PACKET,
            Protocol = BinaryPrimitives.ReverseEndianness(protocol),
            InterfaceIndex = InterfaceIndex,
            AddressLength = 6,
        };
        for (var i = 0; i < 6; i++)
        {
            address.Address[i] = (byte)(hardwareAddress >> (40 - (8 * i)));
        }

        return address;
    }

    public void Dispose()
    {
        _handle.Dispose();
        if (_ring is not null)
        {
            Libc.Munmap(_ring, RingSize);
            _ring = null;
        }
    }

    private static Win32Exception LastError(string call)
    {
        var error = Marshal.GetLastPInvokeError();
        return new Win32Exception(error, $"{call} failed: {Marshal.GetPInvokeErrorMessage(error)} (the packet engine needs CAP_NET_RAW and CAP_NET_ADMIN)");
    }

    private void MapRing()
    {
        // TPACKET_V2, not V3: V3 hands a block over only when it is full or its retire timer fires (1 ms at the
        // least), which a request/response flow pays on every packet; V2 hands over each frame as it is written.
        var version = Libc.TPACKET_V2;
        SetOption(Libc.SOL_PACKET, Libc.PACKET_VERSION, &version, sizeof(int), "PACKET_VERSION");
        var request = new TpacketRequest
        {
            BlockSize = BlockSize,
            BlockCount = RingSize / BlockSize,
            FrameSize = (uint)FrameSize,
            FrameCount = (uint)(RingSize / FrameSize),
        };
        SetOption(Libc.SOL_PACKET, Libc.PACKET_RX_RING, &request, sizeof(TpacketRequest), "PACKET_RX_RING");

        // Packets larger than a frame are queued whole on the socket as well (TP_STATUS_COPY), with room for a few.
        var copies = 1;
        SetOption(Libc.SOL_PACKET, Libc.PACKET_COPY_THRESH, &copies, sizeof(int), "PACKET_COPY_THRESH");
        var buffer = 4 << 20;
        Libc.SetSockOpt(_handle, Libc.SOL_SOCKET, Libc.SO_RCVBUF, &buffer, sizeof(int));
        var ring = Libc.Mmap(null, RingSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, _handle, 0);
        if (ring == (void*)-1)
        {
            throw LastError("mmap(PACKET_RX_RING)");
        }

        _ring = (byte*)ring;
    }

    private void SetOption(int level, int name, void* value, int length, string what)
    {
        if (Libc.SetSockOpt(_handle, level, name, value, length) != 0)
        {
            throw LastError($"setsockopt({what})");
        }
    }
}
