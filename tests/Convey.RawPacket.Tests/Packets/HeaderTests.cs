using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Tests.Packets;

public class HeaderTests
{
    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(1, 0, 0)]
    [InlineData(1447, 4, 12)]
    [InlineData(333, 40, 40)]
    public void Headers_with_options_and_odd_lengths_read_back_their_fields(int payload, int ipOptions, int tcpOptions)
    {
        var packet = TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080, TcpFlags.Syn, payload, ipOptions, tcpOptions);

        Assert.True(IPv4Header.TryRead(packet, out var ip, out _));
        Assert.True(TcpHeader.TryRead(ip.Payload, out var tcp, out _));

        Assert.Equal(20 + ipOptions, ip.HeaderLength);
        Assert.Equal(TestPackets.Client, ip.Source);
        Assert.Equal(TestPackets.Vip, ip.Destination);
        Assert.Equal(40000, tcp.SourcePort);
        Assert.Equal(8080, tcp.DestinationPort);
        Assert.Equal(TcpFlags.Syn, tcp.Flags);
        Assert.Equal(20 + tcpOptions, tcp.HeaderLength);
        Assert.True(tcp.HasValidChecksum(ip.Source, ip.Destination));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1459)]
    public void Rewriting_addresses_and_ports_keeps_both_checksums_right(int payload)
    {
        var packet = TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080, TcpFlags.Ack, payload, 4, 12);
        var expected = TestPackets.Tcp(TestPackets.Vip, 40001, TestPackets.Server1, 9090, TcpFlags.Ack, payload, 4, 12);

        Assert.True(IPv4Header.TryRead(packet, out var ip, out _));
        Assert.True(TcpHeader.TryRead(ip.Payload, out var tcp, out _));
        var (oldSource, oldDestination) = (ip.Source, ip.Destination);
        ip.Source = TestPackets.Vip;
        ip.Destination = TestPackets.Server1;
        tcp.OnPseudoHeaderAddressChanged(oldSource, TestPackets.Vip);
        tcp.OnPseudoHeaderAddressChanged(oldDestination, TestPackets.Server1);
        tcp.SetSourcePort(40001);
        tcp.SetDestinationPort(9090);

        Assert.Equal(expected, packet);
    }

    [Fact]
    public void Full_recomputation_repairs_a_partial_checksum()
    {
        var packet = TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080, TcpFlags.Ack, 777);
        var expected = (byte[])packet.Clone();
        packet[20 + 16] = 0x12; // what CHECKSUM_PARTIAL leaves: a pseudo-header sum, not a checksum
        packet[20 + 17] = 0x34;

        Assert.True(IPv4Header.TryRead(packet, out var ip, out _));
        Assert.True(TcpHeader.TryRead(ip.Payload, out var tcp, out _));
        Assert.False(tcp.HasValidChecksum(ip.Source, ip.Destination));
        tcp.RecomputeChecksum(ip.Source, ip.Destination);

        Assert.Equal(expected, packet);
    }

    [Fact]
    public void Ethernet_padding_after_the_total_length_is_ignored()
    {
        var packet = TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080);
        var padded = new byte[packet.Length + 6];
        packet.CopyTo(padded, 0);

        Assert.True(IPv4Header.TryRead(padded, out var ip, out _));
        Assert.Equal(20, ip.Payload.Length);
    }

    [Fact]
    public void Damaged_headers_are_refused_with_a_reason()
    {
        var packet = TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080);

        Assert.False(IPv4Header.TryRead(packet.AsSpan(0, 19), out _, out var reason));
        Assert.Equal(DropReason.Truncated, reason);

        var version6 = (byte[])packet.Clone();
        version6[0] = 0x65;
        Assert.False(IPv4Header.TryRead(version6, out _, out reason));
        Assert.Equal(DropReason.MalformedIPv4, reason);

        var badSum = (byte[])packet.Clone();
        badSum[8] = 1;
        Assert.False(IPv4Header.TryRead(badSum, out _, out reason));
        Assert.Equal(DropReason.BadIPv4Checksum, reason);

        var badOffset = (byte[])packet.Clone();
        badOffset[20 + 12] = 0x40; // data offset 16 bytes
        Assert.True(IPv4Header.TryRead(badOffset, out var ip, out _));
        Assert.False(TcpHeader.TryRead(ip.Payload, out _, out reason));
        Assert.Equal(DropReason.MalformedTcp, reason);
    }
}
