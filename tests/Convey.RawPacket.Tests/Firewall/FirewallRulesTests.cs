using System.Collections.Immutable;
using System.Net;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.RawPacket.Firewall;

namespace Convey.RawPacket.Tests.Firewall;

public class FirewallRulesTests
{
    [Fact]
    public void Rules_drop_frontend_ports_and_the_nat_range_in_a_table_of_their_own()
    {
        var config = new ConveyConfig
        {
            Frontends =
            [
                new FrontendConfig { Name = "web", ListenEndPoint = IPEndPoint.Parse("198.18.0.2:8080"), Pool = "p", Mode = "passthrough" },
                new FrontendConfig { Name = "dsr", ListenEndPoint = IPEndPoint.Parse("198.18.0.100:80"), Pool = "p", Mode = "dsr" },
                new FrontendConfig { Name = "proxied", ListenEndPoint = IPEndPoint.Parse("198.18.0.2:9000"), Pool = "p" },
            ],
        };

        var rules = FirewallRules.Render(config);

        Assert.StartsWith("table inet convey {", rules, StringComparison.Ordinal);
        Assert.Contains("type filter hook prerouting priority raw; policy accept;", rules, StringComparison.Ordinal);
        Assert.Contains("ip daddr 198.18.0.2 tcp dport 8080 drop", rules, StringComparison.Ordinal);
        Assert.Contains("ip daddr 198.18.0.100 tcp dport 80 drop", rules, StringComparison.Ordinal);
        Assert.Contains("ip daddr 198.18.0.2 tcp dport 32768-61000 drop", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("198.18.0.100 tcp dport 32768", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("9000", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void The_host_default_mode_applies_to_frontends_without_one()
    {
        var config = new ConveyConfig
        {
            Frontends = [new FrontendConfig { Name = "web", ListenEndPoint = IPEndPoint.Parse("198.18.0.2:8080"), Pool = "p" }],
        };

        Assert.Equal(string.Empty, FirewallRules.Render(config));
        Assert.Contains("tcp dport 8080 drop", FirewallRules.Render(config, "dsr"), StringComparison.Ordinal);
    }

    [Fact]
    public void Ipv6_frontends_get_ip6_rules_that_leave_icmpv6_and_neighbour_discovery_to_the_kernel()
    {
        var config = new ConveyConfig
        {
            Frontends =
            [
                new FrontendConfig { Name = "web6", ListenEndPoint = IPEndPoint.Parse("[2001:2::2]:8080"), Pool = "p", Mode = "passthrough" },
                new FrontendConfig { Name = "dsr6", ListenEndPoint = IPEndPoint.Parse("[2001:2::100]:8080"), Pool = "p", Mode = "dsr" },
            ],
        };

        var rules = FirewallRules.Render(config);

        Assert.Contains("ip6 daddr 2001:2::2 tcp dport 8080 drop", rules, StringComparison.Ordinal);
        Assert.Contains("ip6 daddr 2001:2::100 tcp dport 8080 drop", rules, StringComparison.Ordinal);
        Assert.Contains("ip6 daddr 2001:2::2 tcp dport 32768-61000 drop", rules, StringComparison.Ordinal);
        Assert.All(rules.Split('\n').Where(l => l.Contains("daddr", StringComparison.Ordinal)), l => Assert.Contains(" tcp dport ", l, StringComparison.Ordinal));
    }

    [Fact]
    public void A_frontend_that_takes_its_packets_on_one_interface_has_its_rule_there_while_nat_ports_are_dropped_wherever_they_arrive()
    {
        var config = new ConveyConfig
        {
            Frontends =
            [
                new FrontendConfig { Name = "web", ListenEndPoint = IPEndPoint.Parse("198.18.4.1:8080"), Pool = "p", Mode = "passthrough" },
                new FrontendConfig
                {
                    Name = "own", ListenEndPoint = IPEndPoint.Parse("198.18.4.1:9090"), Pool = "p", Mode = "dsr",
                    Settings = new ConfigSettings([new("interface", "eth0")]),
                },
            ],
            Sections = ImmutableDictionary<string, ConfigSettings>.Empty.Add("passthrough", new ConfigSettings([new("interface", "eth1")])),
        };

        var rules = FirewallRules.Render(config);

        Assert.Contains("iifname \"eth1\" ip daddr 198.18.4.1 tcp dport 8080 drop", rules, StringComparison.Ordinal);
        Assert.Contains("iifname \"eth0\" ip daddr 198.18.4.1 tcp dport 9090 drop", rules, StringComparison.Ordinal);
        Assert.Contains("\t\tip daddr 198.18.4.1 tcp dport 32768-61000 drop", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void After_a_stop_the_frontends_are_dropped_through_a_set_whose_elements_expire_after_the_grace()
    {
        var rules = FirewallRules.RenderAfterStop([IPEndPoint.Parse("198.18.4.1:8080"), IPEndPoint.Parse("198.18.0.2:80")], TimeSpan.FromSeconds(30));

        Assert.StartsWith("table inet convey {", rules, StringComparison.Ordinal);
        Assert.Contains("type ipv4_addr . inet_service", rules, StringComparison.Ordinal);
        Assert.Contains("flags timeout", rules, StringComparison.Ordinal);
        Assert.Contains("elements = { 198.18.4.1 . 8080 timeout 30s, 198.18.0.2 . 80 timeout 30s }", rules, StringComparison.Ordinal);
        Assert.Contains("ip daddr . tcp dport @stopped_ip drop", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("32768", rules, StringComparison.Ordinal);
        Assert.Equal(string.Empty, FirewallRules.RenderAfterStop([], TimeSpan.FromSeconds(30)));
    }
}
