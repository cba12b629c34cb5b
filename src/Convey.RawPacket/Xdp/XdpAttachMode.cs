namespace Convey.RawPacket.Xdp;

/// <summary>How the steering program runs on an interface.</summary>
internal enum XdpAttachMode
{
    /// <summary>In the driver, before the kernel builds a socket buffer (XDP_FLAGS_DRV_MODE); AF_XDP zero-copy is possible.</summary>
    Native,

    /// <summary>After the kernel built the socket buffer (XDP_FLAGS_SKB_MODE): works on every interface, AF_XDP in copy mode.</summary>
    Generic,
}
