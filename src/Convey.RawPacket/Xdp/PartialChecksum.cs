using System.Buffers.Binary;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// Recognises a TCP segment whose checksum the sender left to offload (CHECKSUM_PARTIAL: a veth peer or a local
/// sender with checksum offload on). AF_PACKET reports that state (TP_STATUS_CSUMNOTREADY); an AF_XDP frame carries
/// no such flag, but the field gives it away: it holds the folded pseudo-header sum instead of a checksum. A real
/// checksum equals that value once in 65536 segments, and then recomputing it gives the same checksum again.
/// </summary>
internal static class PartialChecksum
{
    /// <summary>Whether <paramref name="packet"/> (IPv4 or IPv6, from its IP header on) is TCP whose checksum is only the pseudo-header sum.</summary>
    public static bool IsPartial(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 1)
        {
            return false;
        }

        int tcpOffset, tcpLength;
        ulong sum;
        if (packet[0] >> 4 == 4)
        {
            tcpOffset = (packet[0] & 0xF) * 4;
            if (packet.Length < 20 || tcpOffset < 20 || packet[9] != IPv4Header.ProtocolTcp)
            {
                return false;
            }

            tcpLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) - tcpOffset;
            sum = InternetChecksum.Add(0, packet[12..20]);
        }
        else
        {
            // The TCP header may follow extension headers (the steering program steps over some).
            if (packet.Length < 40)
            {
                return false;
            }

            var length = 40 + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
            if (length > packet.Length || !IPv6ExtensionHeaders.TryWalk(packet[..length], out var protocol, out tcpOffset, out _) || protocol != IPv4Header.ProtocolTcp)
            {
                return false;
            }

            tcpLength = length - tcpOffset;
            sum = InternetChecksum.Add(0, packet[8..40]);
        }

        if (tcpLength < TcpHeader.MinLength || packet.Length < tcpOffset + TcpHeader.MinLength)
        {
            return false;
        }

        var field = BinaryPrimitives.ReadUInt16BigEndian(packet[(tcpOffset + 16)..]);
        return field == InternetChecksum.Fold(sum + IPv4Header.ProtocolTcp + (uint)tcpLength);
    }
}
