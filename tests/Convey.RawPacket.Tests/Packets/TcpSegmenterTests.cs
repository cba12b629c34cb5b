using System.Buffers.Binary;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Tests.Packets;

public class TcpSegmenterTests
{
    [Theory]
    [InlineData(20_000, 0)]
    [InlineData(4_381, 12)]
    [InlineData(1_461, 0)]
    public void A_super_packet_becomes_valid_mtu_sized_segments_carrying_the_same_bytes(int payload, int tcpOptions)
    {
        const int Mtu = 1500;
        var packet = TestPackets.Tcp(TestPackets.Vip, 8080, TestPackets.Client, 40000, TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, payload, 0, tcpOptions);
        var headers = 40 + tcpOptions;
        var segment = new byte[65536];
        var received = new List<byte>();
        var offset = 0;
        var segments = new List<byte[]>();

        while (TcpSegmenter.Next(packet, Mtu, ref offset, segment, out var length))
        {
            segments.Add(segment.AsSpan(0, length).ToArray());
        }

        Assert.Equal((payload + Mtu - headers - 1) / (Mtu - headers), segments.Count);
        uint expectedSequence = 0xDEADBEEF;
        for (var i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            Assert.InRange(s.Length, headers + 1, Mtu);
            Assert.True(IPv4Header.TryRead(s, out var ip, out _), "IPv4 header checksum");
            Assert.True(TcpHeader.TryRead(ip.Payload, out var tcp, out _));
            Assert.True(tcp.HasValidChecksum(ip.Source, ip.Destination));
            Assert.Equal(expectedSequence, BinaryPrimitives.ReadUInt32BigEndian(s.AsSpan(24)));
            var last = i == segments.Count - 1;
            Assert.Equal(last, (tcp.Flags & TcpFlags.Fin) != 0);
            Assert.Equal(last, (tcp.Flags & TcpFlags.Psh) != 0);
            received.AddRange(s.AsSpan(headers).ToArray());
            expectedSequence += (uint)(s.Length - headers);
        }

        Assert.Equal(packet.AsSpan(headers).ToArray(), received.ToArray());
    }
}
