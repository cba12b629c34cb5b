namespace Convey.RawPacket.Engine;

/// <summary>Which frame I/O path the engine receives and sends on (<c>[passthrough] packet_path</c>).</summary>
internal enum PacketPath
{
    /// <summary>The fastest path the interface offers: AF_XDP where XDP works, AF_PACKET otherwise (logged).</summary>
    Auto,

    /// <summary>AF_XDP only: a frontend whose interface cannot run it does not listen, with the reason.</summary>
    AfXdp,

    /// <summary>AF_PACKET (TPACKET_V3 rings) only.</summary>
    AfPacket,
}
