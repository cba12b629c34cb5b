using System.Net;
using Convey.Forwarding;

namespace Convey.Core.Tests.Forwarding;

public class FlowKeyTests
{
    [Fact]
    public void An_IPv4_flow_has_the_same_key_from_a_socket_from_its_mapped_form_and_from_a_packet()
    {
        var fromSocket = FlowKey.FromEndPoints(IPEndPoint.Parse("198.18.0.2:40000"), IPEndPoint.Parse("198.18.0.1:80"));
        var fromMapped = FlowKey.FromEndPoints(IPEndPoint.Parse("[::ffff:198.18.0.2]:40000"), IPEndPoint.Parse("[::ffff:198.18.0.1]:80"));
        var fromPacket = FlowKey.FromIPv4(0xC6120002, 40000, 0xC6120001, 80);

        Assert.Equal(fromPacket, fromSocket);
        Assert.Equal(fromPacket, fromMapped);
        Assert.Equal(UInt128.Parse("281474004811778"), fromSocket.SourceAddress);
    }

    [Fact]
    public void An_IPv6_address_keeps_its_128_bits()
    {
        Assert.Equal(
            new UInt128(0x2001_0db8_0000_0000, 0x0000_0000_0000_0007),
            FlowKey.ToUInt128(IPAddress.Parse("2001:db8::7")));
    }
}
