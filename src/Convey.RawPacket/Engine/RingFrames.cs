using System.Runtime.InteropServices;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Engine;

/// <summary>
/// Reads a TPACKET_V2 receive ring: frames of one size, each handed to user space (TP_STATUS_USER) as soon as the
/// kernel has written its packet, so a worker takes whatever is ready in one batch and waits only when nothing is.
/// Every offset a frame header gives is checked against the frame, so a frame that is not what the kernel promises
/// yields a packet counted as cut short instead of a read outside it.
/// </summary>
internal static class RingFrames
{
    private static readonly int HeaderSize = Marshal.SizeOf<Tpacket2Header>();

    /// <summary>
    /// Collects the ready frames from frame <paramref name="first"/> on, wrapping at the ring's end: at most
    /// <paramref name="batch"/>' length, and none after a frame marked TP_STATUS_COPY (its whole packet waits in the
    /// socket's queue, to be read before any later one). Returns how many frames were taken (to give back with
    /// <see cref="Release"/>); <paramref name="packets"/> says how many of them were incoming packets, now in <paramref name="batch"/>.
    /// </summary>
    /// <remarks>
    /// With <paramref name="interfaceIndex"/> set, a packet the kernel delivers for another interface is skipped too: on
    /// its way to a device stacked on this one (macvlan, VLAN, bond) a packet is shown to this device's sockets as well,
    /// naming that device, whose own group handles it. A frame whose whole packet waits in the socket's queue is kept
    /// whatever it names, so the queue stays in step with the frames.
    /// </remarks>
    public static int Collect(Span<byte> ring, int frameSize, int first, Span<RingPacket> batch, out int packets, int interfaceIndex = 0)
    {
        var frames = ring.Length / frameSize;
        packets = 0;
        var taken = 0;
        while (taken < batch.Length && taken < frames)
        {
            var offset = ((first + taken) % frames) * frameSize;
            var frame = ring.Slice(offset, frameSize);
            if ((Volatile.Read(ref Header(frame).Status) & Libc.TP_STATUS_USER) == 0)
            {
                break;
            }

            taken++;
            var header = Header(frame);
            var data = header.NetworkOffset;
            if (data < HeaderSize || data + (long)header.SnapLength > frameSize || header.SnapLength > header.Length)
            {
                batch[packets++] = new RingPacket(offset, 0, (int)Math.Max(1, Math.Min(header.Length, int.MaxValue)), header.Status);
                continue;
            }

            // The kernel writes a sockaddr_ll after the header; its packet type tells outgoing copies apart.
            const int PacketTypeOffset = Libc.Tpacket2AddressOffset + 10;
            if (PacketTypeOffset < data && frame[PacketTypeOffset] == Libc.PACKET_OUTGOING)
            {
                continue;
            }

            const int InterfaceIndexOffset = Libc.Tpacket2AddressOffset + 4;
            if (interfaceIndex != 0 && InterfaceIndexOffset + sizeof(int) <= data && (header.Status & Libc.TP_STATUS_COPY) == 0
                && MemoryMarshal.Read<int>(frame[InterfaceIndexOffset..]) != interfaceIndex)
            {
                continue;
            }

            batch[packets++] = new RingPacket(offset + data, (int)header.SnapLength, (int)header.Length, header.Status);
            if ((header.Status & Libc.TP_STATUS_COPY) != 0)
            {
                break;
            }
        }

        return taken;
    }

    /// <summary>Gives <paramref name="count"/> frames from frame <paramref name="first"/> on back to the kernel (TP_STATUS_KERNEL), after every read of them.</summary>
    public static void Release(Span<byte> ring, int frameSize, int first, int count)
    {
        var frames = ring.Length / frameSize;
        for (var i = 0; i < count; i++)
        {
            Volatile.Write(ref Header(ring.Slice(((first + i) % frames) * frameSize, frameSize)).Status, Libc.TP_STATUS_KERNEL);
        }
    }

    private static ref Tpacket2Header Header(Span<byte> frame) => ref MemoryMarshal.AsRef<Tpacket2Header>(frame[..HeaderSize]);
}
