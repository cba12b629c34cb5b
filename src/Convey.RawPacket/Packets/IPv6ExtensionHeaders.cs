namespace Convey.RawPacket.Packets;

/// <summary>
/// Walks the chain of IPv6 extension headers (RFC 8200 4) from the fixed header to the upper-layer header. Hop-by-hop
/// options (first only), routing headers with no segments left and destination options are stepped over; a fragment
/// header ends the walk as a fragment (the engine forwards whole segments only); a routing header with segments left
/// means this is not the packet's final destination. A header that does not fit in the payload, hop-by-hop options
/// anywhere but first, or a chain longer than <see cref="MaxHeaders"/> is malformed.
/// </summary>
internal static class IPv6ExtensionHeaders
{
    /// <summary>Most extension headers taken before the upper-layer header; real packets carry one or two at most.</summary>
    public const int MaxHeaders = 8;

    public const byte HopByHop = 0;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte DestinationOptions = 60;

    /// <summary>
    /// Finds the upper-layer header of <paramref name="packet"/> (the fixed header and its payload, nothing more).
    /// </summary>
    /// <param name="packet">The packet from its IPv6 header to the end of its payload.</param>
    /// <param name="protocol">The upper-layer protocol (6 for TCP, 58 for ICMPv6, anything else as found).</param>
    /// <param name="offset">Where the upper-layer header starts, from the start of the packet.</param>
    /// <param name="reason">Why the walk failed.</param>
    public static bool TryWalk(ReadOnlySpan<byte> packet, out byte protocol, out int offset, out DropReason reason)
    {
        var next = packet[6];
        offset = IPv6Header.Length;
        for (var count = 0; count <= MaxHeaders; count++)
        {
            if (next is not (HopByHop or Routing or DestinationOptions or Fragment))
            {
                protocol = next;
                reason = default;
                return true;
            }

            if (count == MaxHeaders || (next == HopByHop && count > 0) || offset + 8 > packet.Length)
            {
                break;
            }

            if (next == Fragment)
            {
                protocol = next;
                reason = DropReason.Fragment;
                return false;
            }

            var length = (packet[offset + 1] + 1) * 8;
            if (offset + length > packet.Length)
            {
                break;
            }

            if (next == Routing && packet[offset + 3] != 0)
            {
                protocol = next;
                reason = DropReason.RoutingHeader;
                return false;
            }

            next = packet[offset];
            offset += length;
        }

        protocol = next;
        reason = DropReason.MalformedExtensionHeader;
        return false;
    }
}
