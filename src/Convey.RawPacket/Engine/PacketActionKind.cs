namespace Convey.RawPacket.Engine;

/// <summary>What to do with a packet after the pipeline has looked at it.</summary>
internal enum PacketActionKind
{
    /// <summary>Drop it (already counted).</summary>
    Drop,

    /// <summary>Send the rewritten IPv4 packet through the kernel's routing (raw socket, IP_HDRINCL).</summary>
    SendRouted,

    /// <summary>Send the IPv4 packet in a frame to a given MAC address on the receiving interface (L2 DSR).</summary>
    SendToHardwareAddress,
}
