using System.Runtime.InteropServices;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The frames a worker sends on its AF_PACKET socket, gathered and sent with one <c>sendmmsg</c> per batch, each to
/// its own MAC address. A packet that lies in the memory <see cref="SendInPlace"/> names (the receive ring being
/// handled) is sent from there; any other is copied into the queue's own buffer first, so the caller may reuse its
/// memory at once. Not thread-safe: one per worker.
/// </summary>
internal sealed unsafe class PacketSendQueue : IDisposable
{
    /// <summary>Most frames sent by one system call.</summary>
    public const int Capacity = 64;

    private const int StagingSize = 1 << 18;
    private readonly PacketSocket _socket;
    private readonly MultiMessageHeader* _messages;
    private readonly IOVector* _vectors;
    private readonly SockAddrLinkLayer* _addresses;
    private readonly byte* _staging;
    private byte* _inPlace;
    private nuint _inPlaceLength;
    private int _count;
    private int _staged;
    private int _refused;

    public PacketSendQueue(PacketSocket socket)
    {
        _socket = socket;
        _messages = (MultiMessageHeader*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(MultiMessageHeader)));
        _vectors = (IOVector*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(IOVector)));
        _addresses = (SockAddrLinkLayer*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(SockAddrLinkLayer)));
        _staging = (byte*)NativeMemory.AlignedAlloc(StagingSize, 64);
    }

    /// <summary>Packets that lie in <paramref name="memory"/> (native memory that stays put, such as a receive ring) are sent from there until <see cref="Flush"/>.</summary>
    public void SendInPlace(Span<byte> memory)
    {
        fixed (byte* start = memory)
        {
            _inPlace = start;
        }

        _inPlaceLength = (nuint)memory.Length;
    }

    /// <summary>Queues <paramref name="packet"/> (an IP packet) in a frame to <paramref name="hardwareAddress"/>; false when it is too large to queue.</summary>
    public bool Enqueue(ReadOnlySpan<byte> packet, ulong hardwareAddress)
    {
        if (packet.Length == 0 || packet.Length > StagingSize)
        {
            return false;
        }

        if (_count == Capacity)
        {
            SendQueued();
        }

        fixed (byte* source = packet)
        {
            var data = source;
            if (source < _inPlace || (nuint)(source - _inPlace) + (nuint)packet.Length > _inPlaceLength)
            {
                if (_staged + packet.Length > StagingSize)
                {
                    SendQueued();
                }

                data = _staging + _staged;
                packet.CopyTo(new Span<byte>(data, packet.Length));
                _staged += (packet.Length + 63) & ~63;
            }

            var protocol = (packet[0] >> 4) == 6 ? Libc.ETH_P_IPV6 : Libc.ETH_P_IP;
            _addresses[_count] = _socket.LinkAddress(hardwareAddress, protocol);
            _vectors[_count] = new IOVector { Base = data, Length = (nuint)packet.Length };
            _messages[_count] = new MultiMessageHeader
            {
                Header = new MessageHeader
                {
                    Name = _addresses + _count,
                    NameLength = (uint)sizeof(SockAddrLinkLayer),
                    Vectors = _vectors + _count,
                    VectorCount = 1,
                },
            };
            _count++;
        }

        return true;
    }

    /// <summary>Sends what is queued and forgets the in-place memory; returns how many frames the kernel refused since the last flush.</summary>
    public int Flush()
    {
        SendQueued();
        _inPlace = null;
        _inPlaceLength = 0;
        var refused = _refused;
        _refused = 0;
        return refused;
    }

    public void Dispose()
    {
        NativeMemory.Free(_messages);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_addresses);
        NativeMemory.AlignedFree(_staging);
    }

    private void SendQueued()
    {
        // sendmmsg stops at the first frame the kernel refuses: count it and go on after it.
        var next = 0;
        while (next < _count)
        {
            var sent = _socket.SendMany(_messages + next, _count - next);
            if (sent <= 0)
            {
                _refused++;
                next++;
            }
            else
            {
                next += sent;
            }
        }

        _count = 0;
        _staged = 0;
    }
}
