using System.Net;
using Convey.Forwarding;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Tests.Packets;

public class PacketAddressTests
{
    [Theory]
    [InlineData("198.18.0.2")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("2001:2::2")]
    [InlineData("2001:2:0:1::100")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    public void An_address_survives_the_round_trip_through_its_16_bytes(string text)
    {
        var address = PacketAddress.From(IPAddress.Parse(text));
        Span<byte> bytes = stackalloc byte[PacketAddress.Length];
        address.WriteTo(bytes);

        Assert.Equal(IPAddress.Parse(text), address.ToIPAddress());
        Assert.Equal(text, address.ToString());
        Assert.Equal(address, PacketAddress.FromIPv6(bytes));
    }

    [Fact]
    public void An_IPv4_address_is_one_value_whether_given_as_a_number_as_IPv4_or_IPv4_mapped()
    {
        var fromNumber = PacketAddress.FromIPv4(0xC6120002);

        Assert.True(fromNumber.IsIPv4);
        Assert.Equal(0xC6120002u, fromNumber.IPv4);
        Assert.Equal(fromNumber, PacketAddress.From(IPAddress.Parse("198.18.0.2")));
        Assert.Equal(fromNumber, PacketAddress.From(IPAddress.Parse("::ffff:198.18.0.2")));
        Assert.Equal(fromNumber.GetHashCode(), PacketAddress.From(IPAddress.Parse("198.18.0.2")).GetHashCode());
    }

    [Fact]
    public void An_IPv6_address_is_not_IPv4_and_differs_from_an_IPv4_address_with_the_same_low_bits()
    {
        var v6 = PacketAddress.From(IPAddress.Parse("::c612:2"));

        Assert.False(v6.IsIPv4);
        Assert.NotEqual(PacketAddress.FromIPv4(0xC6120002), v6);
    }

    [Theory]
    [InlineData("0.0.0.0", true)]
    [InlineData("::", true)]
    [InlineData("198.18.0.2", false)]
    [InlineData("2001:2::2", false)]
    public void Only_the_wildcard_addresses_are_unspecified(string text, bool unspecified) =>
        Assert.Equal(unspecified, PacketAddress.From(IPAddress.Parse(text)).IsUnspecified);

    [Fact]
    public void The_128_bit_form_is_the_one_flow_keys_hold_so_both_families_hash_alike_in_a_pool()
    {
        var client = IPEndPoint.Parse("[2001:2::10]:40000");
        var frontend = IPEndPoint.Parse("198.18.0.2:8080");
        var key = FlowKey.FromEndPoints(client, frontend);

        Assert.Equal(key.SourceAddress, PacketAddress.From(client.Address).ToUInt128());
        Assert.Equal(key.DestinationAddress, PacketAddress.From(frontend.Address).ToUInt128());
    }

    [Fact]
    public void Addresses_order_by_their_number()
    {
        var v4 = PacketAddress.FromIPv4(0xC6120002);
        var low = PacketAddress.From(IPAddress.Parse("2001:2::2"));
        var high = PacketAddress.From(IPAddress.Parse("2001:2::3"));

        Assert.True(v4 < low);
        Assert.True(low < high);
        Assert.Equal([v4, low, high], new[] { high, v4, low }.Order());
    }
}
