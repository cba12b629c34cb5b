using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Tests.Engine;

/// <summary>The next-hop resolver over synthetic copies of the kernel's <c>/proc/net/route</c>, <c>/proc/net/arp</c>, <c>/proc/net/ipv6_route</c> and IPv6 neighbours.</summary>
public sealed class NextHopTableTests : IDisposable
{
    private const int Eth0 = 2, Eth1 = 3, Lo = 1;
    private const ulong GatewayMac = 0x02_00_c6_12_00_01, ServerMac = 0x02_00_c6_13_01_0b, ClientMac = 0x02_00_c6_12_00_0a;

    // 198.18.0.0/24 on eth0 with gateway 198.18.0.1 as default; 198.19.0.0/23 on eth1; 198.18.0.128/25 over lo;
    // 198.19.2.0/24 a reject route.
    private const string Routes = """
        Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
        eth0	00000000	010012C6	0003	0	0	100	00000000	0	0	0
        eth0	000012C6	00000000	0001	0	0	0	00FFFFFF	0	0	0
        eth1	000013C6	00000000	0001	0	0	0	00FEFFFF	0	0	0
        lo	800012C6	00000000	0001	0	0	0	80FFFFFF	0	0	0
        eth1	000213C6	00000000	0201	0	0	0	00FFFFFF	0	0	0
        """;

    private const string Neighbours = """
        IP address       HW type     Flags       HW address            Mask     Device
        198.18.0.1       0x1         0x2         02:00:c6:12:00:01     *        eth0
        198.19.1.11      0x1         0x2         02:00:c6:13:01:0b     *        eth1
        198.19.1.12      0x1         0x0         00:00:00:00:00:00     *        eth1
        198.18.0.10      0x1         0x2         02:00:c6:12:00:0a     *        eth0
        """;

    // 2001:2::/64 on eth1 (2001:2::2 local), default via fe80::1 on eth0, 2001:2:0:1::/64 over lo, 2001:2:0:2::/64
    // rejected, and the kernel's terminating null route.
    private const string IPv6Routes = """
        20010002000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth1
        00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000003 00000000 00000003     eth0
        20010002000000000000000000000002 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000004 00000000 80200001     eth1
        20010002000000010000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001       lo
        20010002000000020000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000201     eth1
        00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
        """;

    private static readonly List<(PacketAddress, int, ulong)> IPv6Neighbours =
    [
        (Address("fe80::1"), Eth0, GatewayMac),
        (Address("fe80::1"), Eth1, 0x02_00_c6_13_00_01),
        (Address("2001:2::1:b"), Eth1, ServerMac),
        (Address("2001:2::a"), Eth1, ClientMac),
    ];

    private readonly string _directory = Directory.CreateTempSubdirectory("nexthop-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void An_on_link_destination_resolves_to_its_own_mac_on_the_interface_its_route_leaves_by()
    {
        var table = Table();

        Assert.True(table.TryResolve(Address("198.19.1.11"), Eth1, out var mac));
        Assert.Equal(ServerMac, mac);
    }

    [Fact]
    public void A_destination_behind_the_default_route_resolves_to_the_gateways_mac()
    {
        var table = Table();

        Assert.True(table.TryResolve(Address("198.19.200.7"), Eth0, out var mac));
        Assert.Equal(GatewayMac, mac);
    }

    [Fact]
    public void The_longest_prefix_wins_over_the_default_route()
    {
        var table = Table();

        Assert.True(table.TryResolve(Address("198.18.0.10"), Eth0, out var mac));
        Assert.Equal(ClientMac, mac);
    }

    [Fact]
    public void A_destination_whose_route_leaves_by_another_interface_than_the_receiving_one_is_left_to_the_kernel()
    {
        var table = Table();

        Assert.False(table.TryResolve(Address("198.19.1.11"), Eth0, out _));
    }

    [Fact]
    public void A_neighbour_the_kernel_has_not_resolved_is_left_to_the_kernel()
    {
        var table = Table();

        Assert.False(table.TryResolve(Address("198.19.1.12"), Eth1, out _));
        Assert.False(table.TryResolve(Address("198.19.1.13"), Eth1, out _));
    }

    [Fact]
    public void A_route_over_a_non_ethernet_interface_wins_its_prefix_and_is_left_to_the_kernel()
    {
        var table = Table();

        Assert.False(table.TryResolve(Address("198.18.0.200"), Eth0, out _));
    }

    [Fact]
    public void A_reject_route_is_not_used()
    {
        var table = Table();

        // 198.19.2.0/24 is a reject route on eth1: the default route via eth0's gateway applies.
        Assert.False(table.TryResolve(Address("198.19.2.5"), Eth1, out _));
        Assert.True(table.TryResolve(Address("198.19.2.5"), Eth0, out var mac));
        Assert.Equal(GatewayMac, mac);
    }

    [Fact]
    public void An_address_of_this_host_is_left_to_the_kernel()
    {
        var table = Table(local: [Address("198.19.0.2")]);

        Assert.False(table.TryResolve(Address("198.19.0.2"), Eth1, out _));
    }

    [Fact]
    public void An_on_link_ipv6_destination_resolves_to_its_own_mac_on_the_interface_its_route_leaves_by()
    {
        var table = Table();

        Assert.True(table.TryResolve(Address("2001:2::1:b"), Eth1, out var mac));
        Assert.Equal(ServerMac, mac);
        Assert.False(table.TryResolve(Address("2001:2::1:b"), Eth0, out _));
    }

    [Fact]
    public void An_ipv6_destination_behind_the_default_route_resolves_to_the_link_local_gateways_mac_on_that_interface()
    {
        var table = Table();

        Assert.True(table.TryResolve(Address("2001:db8::7"), Eth0, out var mac));
        Assert.Equal(GatewayMac, mac);
    }

    [Fact]
    public void An_ipv6_address_of_this_host_a_rejected_prefix_and_a_prefix_over_loopback_are_left_to_the_kernel()
    {
        var table = Table();

        Assert.False(table.TryResolve(Address("2001:2::2"), Eth1, out _));
        Assert.False(table.TryResolve(Address("2001:2:0:1::5"), Eth1, out _));
        Assert.True(table.TryResolve(Address("2001:2:0:2::5"), Eth0, out var mac)); // the reject route is skipped: default route
        Assert.Equal(GatewayMac, mac);
    }

    [Fact]
    public void An_ipv6_neighbour_the_kernel_has_not_resolved_is_left_to_the_kernel()
    {
        var table = Table();

        Assert.False(table.TryResolve(Address("2001:2::1:c"), Eth1, out _));
    }

    [Fact]
    public void Without_ipv6_in_the_kernel_ipv6_destinations_are_left_to_the_kernel_and_ipv4_still_resolves()
    {
        var table = new NextHopTable(Write("route", Routes), Write("arp", Neighbours), Interfaces([]), Path.Combine(_directory, "no-ipv6_route"),
            () => throw new InvalidOperationException("no IPv6: the neighbour dump must not run"));
        table.Refresh();

        Assert.False(table.TryResolve(Address("2001:2::1:b"), Eth1, out _));
        Assert.True(table.TryResolve(Address("198.19.1.11"), Eth1, out _));
    }

    [Theory]
    [InlineData("2001000200000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth1")]
    [InlineData("20010002000000000000000000000000 81 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth1")]
    [InlineData("20010002000000000000000000000000 40 00000000000000000000000000000000 00 zz000000000000000000000000000000 00000100 00000001 00000000 00000001 eth1")]
    [InlineData("20010002000000000000000000000000 40")]
    [InlineData("")]
    public void A_malformed_ipv6_route_line_is_skipped(string line)
    {
        var routes = NextHopTable.ReadIPv6Routes([line, IPv6Routes.Split('\n')[0]], new Dictionary<string, int> { ["eth1"] = Eth1 });

        var route = Assert.Single(routes);
        Assert.Equal(Address("2001:2::").ToUInt128(), route.Destination);
        Assert.Equal(64, route.PrefixLength);
        Assert.Equal(Eth1, route.InterfaceIndex);
    }

    [Fact]
    public void Nothing_resolves_before_the_first_refresh()
    {
        var table = new NextHopTable(Write("route", Routes), Write("arp", Neighbours), Interfaces([]));

        Assert.False(table.TryResolve(Address("198.19.1.11"), Eth1, out _));
    }

    [Fact]
    public void A_refresh_follows_the_kernels_tables_and_an_unreadable_table_keeps_the_last_snapshot()
    {
        var arp = Write("arp", Neighbours);
        var table = new NextHopTable(Write("route", Routes), arp, Interfaces([]));
        table.Refresh();
        File.WriteAllText(arp, Neighbours.Replace("02:00:c6:13:01:0b", "02:00:c6:13:01:ff", StringComparison.Ordinal));

        table.Refresh();
        Assert.True(table.TryResolve(Address("198.19.1.11"), Eth1, out var moved));
        Assert.Equal(0x02_00_c6_13_01_ffUL, moved);

        File.Delete(arp);
        Assert.ThrowsAny<IOException>(table.Refresh);
        Assert.True(table.TryResolve(Address("198.19.1.11"), Eth1, out var kept));
        Assert.Equal(moved, kept);
    }

    [Theory]
    [InlineData("eth0\tnot-hex\t00000000\t0001\t0\t0\t0\t00FFFFFF")]
    [InlineData("eth0\t000012C6")]
    [InlineData("")]
    public void A_malformed_route_line_is_skipped(string line)
    {
        var routes = NextHopTable.ReadRoutes(["header", line, "eth1\t000013C6\t00000000\t0001\t0\t0\t0\t00FEFFFF"], new Dictionary<string, int> { ["eth1"] = Eth1 });

        var route = Assert.Single(routes);
        Assert.Equal(Address("198.19.0.0").IPv4, route.Destination);
        Assert.Equal(0xFFFFFE00u, route.Mask);
    }

    [Theory]
    [InlineData("198.19.1.11 0x1 0x2 02:00:c6:13:01 * eth1")]
    [InlineData("198.19.1.11 0x1 0x2 02:00:c6:13:01:zz * eth1")]
    [InlineData("2001:2::1 0x1 0x2 02:00:c6:13:01:0b * eth1")]
    [InlineData("198.19.1.11 0x1 0x2 02:00:c6:13:01:0b * wlan9")]
    [InlineData("198.19.1.11 0x1")]
    public void A_malformed_or_foreign_neighbour_line_is_skipped(string line)
    {
        Assert.Empty(NextHopTable.ReadNeighbours(["header", line], new Dictionary<string, int> { ["eth1"] = Eth1 }));
    }

    private NextHopTable Table(PacketAddress[]? local = null)
    {
        var table = new NextHopTable(Write("route", Routes), Write("arp", Neighbours), Interfaces(local ?? []), Write("ipv6_route", IPv6Routes), () => IPv6Neighbours);
        table.Refresh();
        return table;
    }

    private static Func<IEnumerable<(string, int, bool, IReadOnlyList<uint>)>> Interfaces(PacketAddress[] eth1Addresses) =>
        () => [("lo", Lo, false, [Address("127.0.0.1").IPv4]), ("eth0", Eth0, true, []), ("eth1", Eth1, true, [.. eth1Addresses.Select(a => a.IPv4)])];

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static PacketAddress Address(string text) => PacketAddress.From(System.Net.IPAddress.Parse(text));
}
