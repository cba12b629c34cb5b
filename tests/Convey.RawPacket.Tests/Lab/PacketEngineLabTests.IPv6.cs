using System.Globalization;

namespace Convey.RawPacket.Tests.Lab;

/// <summary>
/// The lab over IPv6 (netlab.sh's 2001:2::/64): passthrough and DSR (L3 and L2) serve every request, on the default
/// packet path (AF_XDP where XDP works, copy mode on veth) and on AF_PACKET, and DSR backends see the client's address.
/// </summary>
public partial class PacketEngineLabTests
{
    private const string ForceAfPacket = "[passthrough]\npacket_path = \"af_packet\"";

    [SkippableFact]
    public Task Passthrough_over_ipv6_serves_every_request_through_nat_ports_of_the_vip_on_the_default_path() =>
        AssertPassthroughOverIPv6ServesEveryRequestAsync(sectionExtra: "");

    [SkippableFact]
    public Task Passthrough_over_ipv6_forced_onto_af_packet_serves_every_request_and_sends_routed_packets_as_frames_to_the_next_hop() =>
        AssertPassthroughOverIPv6ServesEveryRequestAsync(ForceAfPacket);

    [SkippableFact]
    public async Task Dsr_l3_over_ipv6_serves_every_request_and_backends_see_the_clients_address_on_the_default_path() =>
        AssertDefaultPath(await AssertDsrServesRealClientsAsync(NamespaceLab.Vip6, frontendExtra: "", sectionExtra: "", "dsr-on"));

    [SkippableFact]
    public async Task Dsr_l3_over_ipv6_forced_onto_af_packet_serves_every_request_and_backends_see_the_clients_address() =>
        AssertAfPacket(await AssertDsrServesRealClientsAsync(NamespaceLab.Vip6, frontendExtra: "", ForceAfPacket, "dsr-on"));

    [SkippableFact]
    public async Task Dsr_l2_over_ipv6_serves_every_request_with_the_vip_on_the_backends_loopback_on_the_default_path() =>
        AssertDefaultPath(await AssertDsrServesRealClientsAsync(NamespaceLab.Vip6L2, "dsr_method = \"l2\"", sectionExtra: "", "l2dsr-on"));

    [SkippableFact]
    public async Task Dsr_l2_over_ipv6_forced_onto_af_packet_serves_every_request_with_the_vip_on_the_backends_loopback() =>
        AssertAfPacket(await AssertDsrServesRealClientsAsync(NamespaceLab.Vip6L2, "dsr_method = \"l2\"", ForceAfPacket, "l2dsr-on"));

    [SkippableFact]
    public Task Dsr_l3_over_ipv6_serves_every_request_with_the_vip_on_the_balancers_loopback_and_its_traffic_arriving_on_eth0() =>
        AssertDsrServesRealClientsAsync(NamespaceLab.RoutedVip6, frontendExtra: "", sectionExtra: "", "routed-vip lo", $"dsr-on {NamespaceLab.RoutedVip6}");

    [SkippableFact]
    public async Task Passthrough_over_ipv6_relays_a_packet_too_big_from_the_clients_side_to_the_server_which_then_sends_packets_that_fit()
    {
        SkipUnlessLabAvailable();
        await using var lab = await NamespaceLab.StartAsync();
        lab.StartHost(Config(NamespaceLab.Vip6), "--passthrough");
        await lab.WaitUntilServingAsync(Url(NamespaceLab.Vip6));

        // A router between the balancer and the client takes only 1280 bytes: it tells the packets' source, VIP6. Only the
        // server can send smaller segments, so the balancer must pass the error on to it, quoting the segment as the
        // server sent it (its own address and the flow's NAT port).
        var result = await lab.DownloadThroughNarrowerPathAsync(NamespaceLab.Vip6, 8080, "/big", mtu: 1280);

        var fields = result.Split(' ');
        Assert.True(fields is ["ok", _, _, _, _, _], result);
        var (largestBefore, largestAfter, packetsAfter) = (int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture));
        Assert.True(largestBefore > 1280, $"the download's packets were {largestBefore} bytes before the error: the test proves nothing ({result})");
        Assert.True(packetsAfter > 100, result);
        Assert.InRange(largestAfter, 1, 1280);
        Assert.Equal($"{BigSha256} {10 << 20}", $"{fields[4]} {fields[5]}");
        AssertDefaultPath(lab.HostOutput);
    }

    /// <summary>
    /// A passthrough frontend on VIP6 serves every request and the big download through NAT ports of VIP6; on AF_PACKET
    /// its packets to the backends leave as frames to their MACs, not through the kernel's IPv6 output path.
    /// </summary>
    private static async Task AssertPassthroughOverIPv6ServesEveryRequestAsync(string sectionExtra)
    {
        SkipUnlessLabAvailable();
        await using var lab = await NamespaceLab.StartAsync();
        // Packets the balancer sends to the backends from NAT ports through the kernel's IP output path (raw socket).
        await lab.InAsync("lb", "sh", "-c",
            "nft add table inet cvout && nft add chain inet cvout out '{ type filter hook output priority 0; }' && "
            + $"nft add rule inet cvout out ip6 daddr {{ {NamespaceLab.Backend1v6}, {NamespaceLab.Backend2v6} }} tcp sport 32768-61000 counter");
        lab.StartHost(Config(NamespaceLab.Vip6) + "\n" + sectionExtra, "--passthrough");
        var url = Url(NamespaceLab.Vip6);
        await lab.WaitUntilServingAsync(url);

        var answers = AllSucceeded(await lab.GetAsync(url, Requests));

        Assert.All(answers, a => Assert.Equal(NamespaceLab.Vip6, a.Peer));
        Assert.All(answers, a => Assert.InRange(a.Port, 32768, 61000));
        Assert.Contains(answers, a => a.Backend == "b2");
        Assert.Equal($"ok {BigSha256} {10 << 20}", await lab.Sha256Async(url + "big"));
        if (sectionExtra.Contains("af_packet", StringComparison.Ordinal))
        {
            AssertAfPacket(lab.HostOutput);
            var listing = await lab.InAsync("lb", "nft", "list", "table", "inet", "cvout");
            var routedByKernel = int.Parse(System.Text.RegularExpressions.Regex.Match(listing, @"counter packets (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
            // The lab pings the backends and health checks reach them: their neighbour entries exist from the start.
            Assert.True(routedByKernel < 20, $"{routedByKernel} IPv6 packets to the backends went through the kernel's IP output path");
        }
        else
        {
            AssertDefaultPath(lab.HostOutput);
        }
    }

    /// <summary>The default path (auto) runs AF_XDP on eth0 where this kernel lets a test use XDP, AF_PACKET otherwise.</summary>
    private static void AssertDefaultPath(string hostOutput)
    {
        if (Xdp.VethNamespaces.WhyUnavailable() is null)
        {
            Assert.Contains("Packet engine listening on eth0 over af_xdp", hostOutput, StringComparison.Ordinal);
        }
    }

    private static void AssertAfPacket(string hostOutput) =>
        Assert.Contains("Packet engine listening on eth0 over af_packet", hostOutput, StringComparison.Ordinal);
}
