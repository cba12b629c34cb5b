using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

/// <summary><c>struct tpacket_req</c>: the shape of a TPACKET_V2 ring (PACKET_RX_RING).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TpacketRequest
{
    public uint BlockSize;
    public uint BlockCount;
    public uint FrameSize;
    public uint FrameCount;
}

/// <summary><c>struct tpacket2_hdr</c>: the head of one frame of a TPACKET_V2 ring; a <c>sockaddr_ll</c> follows it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Tpacket2Header
{
    public uint Status;
    public uint Length;
    public uint SnapLength;
    public ushort MacOffset;
    public ushort NetworkOffset;
    public uint Seconds;
    public uint Nanoseconds;
    public ushort VlanTci;
    public ushort VlanTpid;
    public uint Padding;
}
