using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

// linux/if_xdp.h, the structures an AF_XDP socket is set up with.

/// <summary><c>struct xdp_ring_offset</c>: where a ring's fields sit in its mmap.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct XdpRingOffset
{
    public ulong Producer;
    public ulong Consumer;
    public ulong Descriptors;
    public ulong Flags;
}

/// <summary><c>struct xdp_mmap_offsets</c> (XDP_MMAP_OFFSETS).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct XdpMmapOffsets
{
    public XdpRingOffset Receive;
    public XdpRingOffset Transmit;
    public XdpRingOffset Fill;
    public XdpRingOffset Completion;
}

/// <summary><c>struct xdp_umem_reg</c> (XDP_UMEM_REG).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct XdpUmemRegistration
{
    public ulong Address;
    public ulong Length;
    public uint ChunkSize;
    public uint Headroom;
    public uint Flags;
    public uint TransmitMetadataLength;
}

/// <summary><c>struct xdp_desc</c>: one frame on the receive or transmit ring.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct XdpDescriptor
{
    /// <summary>Offset of the frame's first byte in the UMEM.</summary>
    public ulong Address;
    public uint Length;
    public uint Options;
}
