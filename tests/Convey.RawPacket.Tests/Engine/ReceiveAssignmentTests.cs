using System.Net;
using Convey.RawPacket.Engine;

namespace Convey.RawPacket.Tests.Engine;

/// <summary>Where the engine takes each frontend's packets: its named interface, or every uplink.</summary>
public class ReceiveAssignmentTests
{
    private static readonly HostInterface Lo = new("lo", 1, 65536, IsLoopback: true, IsUp: true, HasMaster: false);
    private static readonly HostInterface Eth0 = new("eth0", 2, 1500, IsLoopback: false, IsUp: true, HasMaster: false);
    private static readonly HostInterface Eth1 = new("eth1", 3, 9000, IsLoopback: false, IsUp: true, HasMaster: false);
    private static readonly HostInterface Port = new("veth7", 4, 1500, IsLoopback: false, IsUp: true, HasMaster: true);
    private static readonly HostInterface Down = new("eth2", 5, 1500, IsLoopback: false, IsUp: false, HasMaster: false);
    private static readonly HostInterface Vip = new("vip0", 6, 1500, IsLoopback: false, IsUp: true, HasMaster: false);

    /// <summary>198.18.0.2 on eth0, VIP 198.18.4.1 on lo, 198.18.4.2 on the dummy vip0.</summary>
    private static readonly HostInterfaces Host = new([Lo, Eth0, Eth1, Port, Down, Vip],
        [IPAddress.Loopback, IPAddress.Parse("198.18.4.1"), IPAddress.Parse("198.18.0.2"), IPAddress.Parse("198.18.4.2")]);

    [Fact]
    public void A_frontend_with_its_vip_on_loopback_is_taken_on_every_uplink_but_not_on_loopback_bridge_ports_or_down_interfaces()
    {
        var unreachable = new Dictionary<string, string>();

        var assignments = ReceiveAssignment.Assign([("web", IPAddress.Parse("198.18.4.1"), null, false)], Host, unreachable);

        Assert.Empty(unreachable);
        Assert.Equal(["eth0", "eth1", "vip0"], assignments.Select(a => a.Interface.Name));
        Assert.All(assignments, a => Assert.Equal(["web"], a.Frontends));
        Assert.All(assignments, a => Assert.Empty(a.NatFrontends));
    }

    [Fact]
    public void A_named_interface_takes_only_its_frontends_while_passthrough_replies_are_taken_on_every_uplink_too()
    {
        var unreachable = new Dictionary<string, string>();

        var assignments = ReceiveAssignment.Assign(
            [("nat", IPAddress.Parse("198.18.4.1"), "eth1", true), ("dsr", IPAddress.Parse("198.18.4.2"), "eth1", false)], Host, unreachable);

        Assert.Empty(unreachable);
        var eth1 = Assert.Single(assignments, a => a.Interface.Name == "eth1");
        Assert.Equal(["nat", "dsr"], eth1.Frontends);
        Assert.Equal(["nat"], eth1.NatFrontends);
        Assert.Equal(9000, eth1.Interface.Mtu);
        var eth0 = Assert.Single(assignments, a => a.Interface.Name == "eth0");
        Assert.Empty(eth0.Frontends);
        Assert.Equal(["nat"], eth0.NatFrontends);
    }

    [Fact]
    public void Loopback_is_taken_only_when_named()
    {
        var assignments = ReceiveAssignment.Assign([("web", IPAddress.Loopback, "lo", false)], Host, []);

        Assert.Equal(["lo"], assignments.Select(a => a.Interface.Name));
    }

    [Fact]
    public void An_interface_the_host_lacks_leaves_the_frontend_unreachable_with_the_interfaces_it_has()
    {
        var unreachable = new Dictionary<string, string>();

        var assignments = ReceiveAssignment.Assign(
            [("web", IPAddress.Parse("198.18.4.1"), "eth9", false), ("other", IPAddress.Parse("198.18.0.2"), null, false)], Host, unreachable);

        Assert.Equal("interface \"eth9\" does not exist on this host (it has: lo, eth0, eth1, veth7, eth2, vip0); correct interface (on the frontend or in [passthrough]) or create the interface",
            Assert.Single(unreachable).Value);
        Assert.All(assignments, a => Assert.Equal(["other"], a.Frontends));
    }

    [Fact]
    public void A_named_interface_that_is_down_leaves_the_frontend_unreachable_until_it_comes_up()
    {
        var unreachable = new Dictionary<string, string>();

        Assert.Empty(ReceiveAssignment.Assign([("web", IPAddress.Parse("198.18.4.1"), "eth2", false)], Host, unreachable));

        Assert.StartsWith("interface \"eth2\" is down", unreachable["web"], StringComparison.Ordinal);
    }

    [Fact]
    public void An_address_no_interface_holds_is_not_local()
    {
        var unreachable = new Dictionary<string, string>();

        Assert.Empty(ReceiveAssignment.Assign([("web", IPAddress.Parse("198.18.9.9"), null, false)], Host, unreachable));

        Assert.StartsWith("address not local: no interface of this host holds 198.18.9.9", unreachable["web"], StringComparison.Ordinal);
    }

    [Fact]
    public void With_no_uplink_up_a_frontend_that_names_none_is_unreachable_saying_so()
    {
        var host = new HostInterfaces([Lo, Down], [IPAddress.Loopback]);
        var unreachable = new Dictionary<string, string>();

        Assert.Empty(ReceiveAssignment.Assign([("web", IPAddress.Loopback, null, false)], host, unreachable));

        Assert.StartsWith("no interface of this host is up besides loopback", unreachable["web"], StringComparison.Ordinal);
    }

    [Fact]
    public void Inventories_are_equal_when_interfaces_and_addresses_are_whatever_their_order()
    {
        var again = new HostInterfaces([Vip, Down, Port, Eth1, Eth0, Lo],
            [IPAddress.Parse("198.18.4.2"), IPAddress.Parse("198.18.0.2"), IPAddress.Parse("198.18.4.1"), IPAddress.Loopback]);
        var moved = new HostInterfaces([Lo, Eth0, Eth1, Port, Down, Vip with { Mtu = 1400 }],
            [IPAddress.Loopback, IPAddress.Parse("198.18.4.1"), IPAddress.Parse("198.18.0.2"), IPAddress.Parse("198.18.4.2")]);

        Assert.Equal(Host, again);
        Assert.NotEqual(Host, moved);
        Assert.NotEqual(Host, new HostInterfaces(Host.All, [IPAddress.Loopback]));
    }
}
