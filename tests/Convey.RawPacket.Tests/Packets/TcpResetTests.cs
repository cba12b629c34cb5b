using System.Buffers.Binary;
using Convey.RawPacket.Packets;
using static Convey.RawPacket.Tests.Packets.TestPackets;

namespace Convey.RawPacket.Tests.Packets;

/// <summary>The reset answering a segment of no connection, as RFC 9293 3.10.7.1 generates it.</summary>
public class TcpResetTests
{
    [Fact]
    public void A_segment_with_an_ack_is_answered_by_a_reset_whose_sequence_is_that_ack_and_that_carries_no_ack()
    {
        var segment = Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack | TcpFlags.Psh, payloadLength: 100, sequence: 1000, acknowledgment: 777_777);

        var length = Answer(segment);

        Assert.Equal(TcpReset.IPv4Length, length);
        var reset = segment.AsSpan(0, length).ToArray();
        Assert.Equal((Vip, (ushort)8080, Client, (ushort)40000), Engine.PipelineFixture.Addresses(reset));
        Assert.Equal(777_777u, SequenceOf(reset, 20));
        Assert.Equal(0u, AcknowledgmentOf(reset, 20));
        Assert.Equal(TcpFlags.Rst, (TcpFlags)reset[20 + 13]);
        Assert.True(Engine.PipelineFixture.ChecksumsValid(reset));
        Assert.Equal(0, InternetChecksum.Compute(reset.AsSpan(0, 20)));
        Assert.Equal(length, BinaryPrimitives.ReadUInt16BigEndian(reset.AsSpan(2)));
        Assert.Equal(IPPacket.ProtocolTcp, reset[9]);
    }

    [Theory]
    [InlineData("", 0, 0u)]
    [InlineData("PSH", 100, 100u)]
    [InlineData("FIN", 10, 11u)]
    [InlineData("SYN FIN", 5, 7u)]
    public void A_segment_without_an_ack_is_acknowledged_whole_data_syn_and_fin_by_a_reset_of_sequence_zero(string flags, int data, uint occupies)
    {
        var bits = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Aggregate(TcpFlags.None, (all, flag) => all | Enum.Parse<TcpFlags>(flag, ignoreCase: true));
        var segment = Tcp(Client, 40000, Vip, 8080, bits, payloadLength: data, sequence: 0xFFFF_FFF0);

        var length = Answer(segment);

        var reset = segment.AsSpan(0, length).ToArray();
        Assert.Equal(0u, SequenceOf(reset, 20));
        Assert.Equal(unchecked(0xFFFF_FFF0 + occupies), AcknowledgmentOf(reset, 20));
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, (TcpFlags)reset[20 + 13]);
        Assert.True(Engine.PipelineFixture.ChecksumsValid(reset));
    }

    [Fact]
    public void Options_of_the_segment_are_left_out_of_the_reset()
    {
        var segment = Tcp(Client, 40000, Vip, 8080, TcpFlags.Ack, payloadLength: 3, ipOptionsLength: 8, tcpOptionsLength: 12, acknowledgment: 42);

        var length = Answer(segment);

        var reset = segment.AsSpan(0, length).ToArray();
        Assert.Equal(TcpReset.IPv4Length, length);
        Assert.Equal(0x45, reset[0]);
        Assert.Equal(5 << 4, reset[20 + 12]);
        Assert.Equal((Vip, (ushort)8080, Client, (ushort)40000), Engine.PipelineFixture.Addresses(reset));
        Assert.Equal(42u, SequenceOf(reset, 20));
        Assert.True(Engine.PipelineFixture.ChecksumsValid(reset));
    }

    [Fact]
    public void An_IPv6_segment_with_extension_headers_is_answered_by_a_plain_IPv6_reset()
    {
        ExtensionHeader[] chain = [new(IPv6ExtensionHeaders.HopByHop), new(IPv6ExtensionHeaders.DestinationOptions, 16)];
        var segment = TestPackets6.Tcp(TestPackets6.Client, 40000, TestPackets6.Vip, 8080, TcpFlags.Psh, payloadLength: 50, sequence: 9, extensions: chain);

        var length = Answer(segment);

        Assert.Equal(TcpReset.IPv6Length, length);
        var reset = segment.AsSpan(0, length).ToArray();
        Assert.Equal(IPPacket.ProtocolTcp, reset[6]);
        Assert.Equal(TcpHeader.MinLength, BinaryPrimitives.ReadUInt16BigEndian(reset.AsSpan(4)));
        Assert.Equal((TestPackets6.Vip, (ushort)8080, TestPackets6.Client, (ushort)40000), TestPackets6.Addresses(reset));
        Assert.Equal(0u, SequenceOf(reset, IPv6Header.Length));
        Assert.Equal(59u, AcknowledgmentOf(reset, IPv6Header.Length));
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, (TcpFlags)reset[IPv6Header.Length + 13]);
        Assert.True(TestPackets6.ChecksumValid(reset));
    }

    private static int Answer(byte[] segment)
    {
        Assert.True(IPPacket.TryRead(segment, out var ip, out _));
        Assert.True(TcpHeader.TryRead(ip.Payload, out var tcp, out _));
        return TcpReset.AnswerInPlace(ip, tcp);
    }

    private static uint SequenceOf(byte[] packet, int tcpOffset) => BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(tcpOffset + 4));

    private static uint AcknowledgmentOf(byte[] packet, int tcpOffset) => BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(tcpOffset + 8));
}
