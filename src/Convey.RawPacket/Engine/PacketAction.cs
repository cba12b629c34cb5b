using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Engine;

/// <summary>The pipeline's verdict on one packet.</summary>
/// <param name="Kind">Drop or send, and how.</param>
/// <param name="Destination">Destination of the packet as sent (IPv4 or IPv6, the family of the packet).</param>
/// <param name="HardwareAddress">Destination MAC (in the low 48 bits, first octet highest) for <see cref="PacketActionKind.SendToHardwareAddress"/>.</param>
/// <param name="Length">Bytes to send (the whole IP packet).</param>
internal readonly record struct PacketAction(PacketActionKind Kind, PacketAddress Destination, ulong HardwareAddress, int Length)
{
    public static PacketAction Drop => default;
}
