using System.Net;
using Convey.Health;

namespace Convey.Core.Tests.Health;

/// <summary>Where an IPv6 health probe leaves from: never an L2 DSR VIP6 that the kernel would prefer by its /128.</summary>
public class ProbeSourceTests
{
    private static readonly IPAddress Server = IPAddress.Parse("2001:2::1:b");

    private static readonly (IPAddress, int)[] BalancerWithVip6 =
    [
        (IPAddress.Parse("2001:2::100"), 128), // the L2 DSR VIP6, also on the servers' lo
        (IPAddress.Parse("2001:2::2"), 64),
        (IPAddress.Parse("fe80::2"), 64),
        (IPAddress.Parse("198.18.0.2"), 23),
    ];

    [Fact]
    public void A_probe_the_kernel_would_send_from_a_host_address_leaves_from_the_address_of_the_servers_subnet()
    {
        Assert.Equal(IPAddress.Parse("2001:2::2"), ProbeSource.Choose(Server, IPAddress.Parse("2001:2::100"), BalancerWithVip6));
    }

    [Fact]
    public void The_kernels_choice_stands_when_it_is_of_the_servers_subnet()
    {
        Assert.Null(ProbeSource.Choose(Server, IPAddress.Parse("2001:2::2"), BalancerWithVip6));
    }

    [Fact]
    public void The_kernels_choice_stands_for_a_server_off_every_subnet_of_the_host()
    {
        Assert.Null(ProbeSource.Choose(IPAddress.Parse("2001:db8::7"), IPAddress.Parse("2001:2::100"), BalancerWithVip6));
    }

    [Fact]
    public void The_longest_covering_prefix_wins()
    {
        (IPAddress, int)[] local = [(IPAddress.Parse("2001:2::5"), 48), (IPAddress.Parse("2001:2::2"), 64), (IPAddress.Parse("2001:2::100"), 128)];

        Assert.Equal(IPAddress.Parse("2001:2::2"), ProbeSource.Choose(Server, IPAddress.Parse("2001:2::100"), local));
    }

    [Fact]
    public void Ipv4_and_loopback_servers_are_left_to_the_kernel()
    {
        Assert.Null(ProbeSource.For(IPAddress.Parse("198.18.1.11")));
        Assert.Null(ProbeSource.For(IPAddress.IPv6Loopback));
    }
}
