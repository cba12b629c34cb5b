namespace Convey.RawPacket.Engine;

/// <summary>The pipeline's verdict on one packet.</summary>
/// <param name="Kind">Drop or send, and how.</param>
/// <param name="Destination">IPv4 destination of the packet as sent.</param>
/// <param name="HardwareAddress">Destination MAC (in the low 48 bits, first octet highest) for <see cref="PacketActionKind.SendToHardwareAddress"/>.</param>
/// <param name="Length">Bytes to send (the IPv4 total length).</param>
internal readonly record struct PacketAction(PacketActionKind Kind, uint Destination, ulong HardwareAddress, int Length)
{
    public static PacketAction Drop => default;
}
