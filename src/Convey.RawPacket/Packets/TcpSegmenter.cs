using System.Buffers.Binary;

namespace Convey.RawPacket.Packets;

/// <summary>
/// Cuts a TCP super-packet, IPv4 or IPv6 (what GSO/GRO hands over when offloads are on), into packets that fit the
/// MTU, the way the kernel's own software segmentation does: headers copied (IPv6 extension headers too), sequence
/// numbers advanced, FIN and PSH kept for the last segment only, CWR for the first, the IPv4 header checksum and the
/// TCP checksum computed in full.
/// </summary>
internal static class TcpSegmenter
{
    /// <summary>Whether a packet whose headers take <paramref name="headerLength"/> bytes can be cut to fit <paramref name="mtu"/>.</summary>
    public static bool CanSegment(int headerLength, int mtu) => mtu - headerLength >= 8;

    /// <summary>
    /// Writes the next segment of <paramref name="packet"/> (a checked TCP packet) into <paramref name="segment"/>.
    /// Start with <paramref name="offset"/> 0; returns false when every payload byte has been sent.
    /// </summary>
    public static bool Next(ReadOnlySpan<byte> packet, int mtu, ref int offset, Span<byte> segment, out int length)
    {
        var ipv6 = packet[0] >> 4 == 6;
        int ipLength, totalLength;
        if (ipv6)
        {
            totalLength = IPv6Header.Length + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
            IPv6ExtensionHeaders.TryWalk(packet[..totalLength], out _, out ipLength, out _);
        }
        else
        {
            ipLength = (packet[0] & 0x0F) * 4;
            totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        }

        var tcpLength = (packet[ipLength + 12] >> 4) * 4;
        var headers = ipLength + tcpLength;
        var payload = packet[headers..totalLength];
        var mss = mtu - headers;
        if (offset >= payload.Length || mss <= 0)
        {
            length = 0;
            return false;
        }

        var chunk = Math.Min(mss, payload.Length - offset);
        length = headers + chunk;
        packet[..headers].CopyTo(segment);
        payload.Slice(offset, chunk).CopyTo(segment[headers..]);

        if (ipv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[4..], (ushort)(length - IPv6Header.Length));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[2..], (ushort)length);
            var id = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
            BinaryPrimitives.WriteUInt16BigEndian(segment[4..], (ushort)(id + (offset / mss)));
            IPv4Header.Unchecked(segment[..length]).RecomputeChecksum();
        }

        var tcp = segment[ipLength..];
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]) + (uint)offset);
        var flags = (TcpFlags)tcp[13];
        if (offset + chunk < payload.Length)
        {
            flags &= ~(TcpFlags.Fin | TcpFlags.Psh);
        }

        if (offset > 0)
        {
            flags &= ~(TcpFlags)0x80; // CWR
        }

        tcp[13] = (byte)flags;
        offset += chunk;

        IPPacket.TryRead(segment[..length], out var ip, out _);
        TcpHeader.TryRead(ip.Payload, out var header, out _);
        header.RecomputeChecksum(ip.Source, ip.Destination);
        return true;
    }
}
