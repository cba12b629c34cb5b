namespace Convey.RawPacket.Engine;

/// <summary>The two modes the packet engine serves.</summary>
internal enum PacketMode
{
    /// <summary><c>passthrough</c>: the engine rewrites both directions (NAT), replies come back through it.</summary>
    Passthrough,

    /// <summary><c>dsr</c>: the engine rewrites the way in only; servers answer clients directly.</summary>
    Dsr,
}
