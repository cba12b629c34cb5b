using Convey.RawPacket.Packets;
using Convey.RawPacket.Tracking;

namespace Convey.RawPacket.Engine;

/// <summary>The pipeline's verdict on one packet.</summary>
/// <param name="Kind">Drop or send, and how.</param>
/// <param name="Destination">Destination of the packet as sent (IPv4 or IPv6, the family of the packet).</param>
/// <param name="HardwareAddress">Destination MAC (in the low 48 bits, first octet highest) for <see cref="PacketActionKind.SendToHardwareAddress"/>.</param>
/// <param name="Length">Bytes to send (the whole IP packet).</param>
internal readonly record struct PacketAction(PacketActionKind Kind, PacketAddress Destination, ulong HardwareAddress, int Length)
{
    /// <summary>
    /// Set on a packet of an established flow (none of SYN, FIN and RST, no FIN seen yet) while a fast path is attached:
    /// the port that sends it may install the rewrite just done for the flow's direction in the kernel (<see cref="FastPathFlows"/>).
    /// </summary>
    public FastPathOffer Offer { get; init; }

    /// <summary>The flow of <see cref="Offer"/>.</summary>
    public TrackedFlow Flow { get; init; }

    public static PacketAction Drop => default;
}
