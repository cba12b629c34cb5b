using System.Globalization;
using System.Security.Cryptography;

namespace Convey.RawPacket.Tests.Lab;

/// <summary>
/// End-to-end tests: the real Convey.Host in namespace lb, Python backends in b1/b2 (weights 3:1), requests from cl.
/// They need root, iproute2, nftables, ethtool, iputils-ping and python3, and skip with the reason otherwise.
/// </summary>
[Collection(nameof(PacketEngineLabTests))]
public partial class PacketEngineLabTests
{
    private const int Requests = 200;
    private static readonly string BigSha256 = Convert.ToHexStringLower(SHA256.HashData(BigBody()));

    [SkippableFact]
    public async Task Passthrough_serves_every_request_by_weight_with_nat_ports_and_manages_its_own_firewall_table()
    {
        SkipUnlessLabAvailable();
        await using var lab = await NamespaceLab.StartAsync(); // no manual DROP rules: the engine installs its own
        // What a crashed run would leave behind: the engine must replace it.
        await lab.InAsync("lb", "nft", "add", "table", "inet", "convey");
        await lab.InAsync("lb", "nft", "add", "chain", "inet", "convey", "stale_from_a_crash");
        // Smooth weighted round-robin makes the share exact; Maglev's would be within a few points, by hash luck.
        lab.StartHost(Config(NamespaceLab.Vip, balance: "round_robin"), "--passthrough");
        var url = $"http://{NamespaceLab.Vip}:8080/";
        await lab.WaitUntilServingAsync(url);
        Assert.DoesNotContain("stale_from_a_crash", await lab.InAsync("lb", "nft", "list", "ruleset"), StringComparison.Ordinal);

        var results = await lab.GetAsync(url, Requests);

        var answers = AllSucceeded(results);
        var share = answers.Count(a => a.Backend == "b1") * 100.0 / answers.Count;
        Assert.True(share is >= 70 and <= 80, $"b1 took {share}% of the requests, not 75% (weights 3:1)");
        Assert.All(answers, a => Assert.Equal(NamespaceLab.Vip, a.Peer));
        Assert.All(answers, a => Assert.InRange(a.Port, 32768, 61000));
        Assert.Equal($"ok {BigSha256} {10 << 20}", await lab.Sha256Async(url + "big"));
        Assert.Contains("table inet convey", await lab.InAsync("lb", "nft", "list", "ruleset"), StringComparison.Ordinal);

        await lab.StopHostAsync();

        // Without a restart_grace, a stop leaves no rule of the engine behind.
        Assert.DoesNotContain("table inet convey", await lab.InAsync("lb", "nft", "list", "ruleset"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public Task Dsr_l3_serves_every_request_and_replies_bypass_the_balancer() =>
        AssertDsrServesRealClientsAsync(NamespaceLab.Vip, frontendExtra: "", setup: "dsr-on");

    [SkippableFact]
    public Task Dsr_l2_serves_every_request_with_the_vip_on_the_backends_loopback() =>
        AssertDsrServesRealClientsAsync(NamespaceLab.Vip2, "dsr_method = \"l2\"", setup: "l2dsr-on");

    [SkippableFact]
    public Task Dsr_l3_serves_every_request_with_the_vip_on_the_balancers_loopback_and_its_traffic_arriving_on_eth0() =>
        AssertDsrServesRealClientsAsync(NamespaceLab.RoutedVip, frontendExtra: "", setup: ["routed-vip lo", $"dsr-on {NamespaceLab.RoutedVip}"]);

    [SkippableFact]
    public Task Dsr_l3_serves_every_request_with_the_vip_on_a_dummy_interface() =>
        AssertDsrServesRealClientsAsync(NamespaceLab.RoutedVip, frontendExtra: "", setup: ["routed-vip dummy", $"dsr-on {NamespaceLab.RoutedVip}"]);

    [SkippableFact]
    public Task Dsr_l3_taking_its_packets_on_eth0_only_serves_every_request_with_the_vip_on_a_dummy_interface() =>
        AssertDsrServesRealClientsAsync(NamespaceLab.RoutedVip, "interface = \"eth0\"", setup: ["routed-vip dummy", $"dsr-on {NamespaceLab.RoutedVip}"]);

    [SkippableFact]
    public Task Passthrough_serves_every_request_with_the_vip_on_the_balancers_loopback_and_its_traffic_arriving_on_eth0() =>
        AssertPassthroughServesEveryRequestAsync(sectionExtra: "", "routed-vip lo");

    [SkippableFact]
    public Task Passthrough_serves_every_request_with_the_vip_on_a_dummy_interface() =>
        AssertPassthroughServesEveryRequestAsync(sectionExtra: "", "routed-vip dummy");

    [SkippableFact]
    public Task Passthrough_taking_its_packets_on_eth0_only_serves_every_request_with_the_vip_on_loopback() =>
        AssertPassthroughServesEveryRequestAsync(sectionExtra: "[passthrough]\ninterface = \"eth0\"", "routed-vip lo");

    [SkippableFact]
    public async Task A_stopped_backend_gets_no_new_flows_once_health_notices()
    {
        SkipUnlessLabAvailable();
        await using var lab = await NamespaceLab.StartAsync();
        lab.StartHost(Config(NamespaceLab.Vip, healthInterval: 1), "--passthrough");
        var url = $"http://{NamespaceLab.Vip}:8080/";
        await lab.WaitUntilServingAsync(url);
        Assert.Contains(AllSucceeded(await lab.GetAsync(url, 20)), a => a.Backend == "b2");

        await lab.StopBackendAsync("b2");
        await Eventually.TrueAsync(() => lab.HostOutput.Contains("server b2 (198.19.1.12:8080) is DOWN", StringComparison.Ordinal), "health marks b2 down");

        var answers = AllSucceeded(await lab.GetAsync(url, 50));
        Assert.All(answers, a => Assert.Equal("b1", a.Backend));
    }

    [SkippableFact]
    public async Task Stray_acks_and_bulk_transfers_through_passthrough_take_no_server_down()
    {
        SkipUnlessLabAvailable();
        await using var lab = await NamespaceLab.StartAsync();
        // Probes far apart, so only passive health could take a server down during the test.
        lab.StartHost(Config(NamespaceLab.Vip, healthInterval: 60), "--passthrough");
        var url = $"http://{NamespaceLab.Vip}:8080/";
        await lab.WaitUntilServingAsync(url);

        // Bursts more than a second apart: a rate limit alone would let fall = 2 of them through.
        await lab.StrayAcksAsync(NamespaceLab.Vip, 8080, count: 50, bursts: 3, gap: TimeSpan.FromSeconds(1.2));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal($"ok {BigSha256} {10 << 20}", await lab.Sha256Async(url + "big"));
        }

        var answers = AllSucceeded(await lab.GetAsync(url, 60));
        Assert.Contains(answers, a => a.Backend == "b1");
        Assert.Contains(answers, a => a.Backend == "b2");
        Assert.DoesNotContain("is DOWN", lab.HostOutput, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task With_offloads_on_requests_still_succeed()
    {
        SkipUnlessLabAvailable();
        await using var lab = await NamespaceLab.StartAsync(offload: true);
        lab.StartHost(Config(NamespaceLab.Vip), "--passthrough");
        var url = $"http://{NamespaceLab.Vip}:8080/";
        await lab.WaitUntilServingAsync(url);

        AllSucceeded(await lab.GetAsync(url, 50));
        Assert.Equal($"ok {BigSha256} {10 << 20}", await lab.Sha256Async(url + "big"));
    }

    [SkippableFact]
    public async Task Passthrough_runs_on_af_xdp_where_xdp_works_and_a_frontend_added_by_a_reload_is_steered_by_the_same_program()
    {
        SkipUnlessLabAvailable();
        Prerequisite.Require(Xdp.VethNamespaces.WhyUnavailable());
        await using var lab = await NamespaceLab.StartAsync();
        lab.StartHost(Config(NamespaceLab.Vip), "--passthrough");
        var url = $"http://{NamespaceLab.Vip}:8080/";
        await lab.WaitUntilServingAsync(url);
        Assert.Contains("over af_xdp", lab.HostOutput, StringComparison.Ordinal);
        var program = XdpProgramId(await lab.InAsync("lb", "ip", "link", "show", "eth0"));

        lab.ReplaceConfig(Config(NamespaceLab.Vip) + Frontend("second", NamespaceLab.Vip, 8081));
        await lab.WaitUntilServingAsync($"http://{NamespaceLab.Vip}:8081/");

        AllSucceeded(await lab.GetAsync(url, 20));
        Assert.Equal(program, XdpProgramId(await lab.InAsync("lb", "ip", "link", "show", "eth0")));
    }

    [SkippableFact]
    public async Task Passthrough_forced_onto_af_packet_sends_routed_packets_as_frames_to_the_next_hop_not_through_the_kernels_ip_output()
    {
        SkipUnlessLabAvailable();
        await using var lab = await NamespaceLab.StartAsync();
        // Packets the balancer sends to the backends from NAT ports through the kernel's IP output path (raw socket).
        await lab.InAsync("lb", "sh", "-c",
            "nft add table inet cvout && nft add chain inet cvout out '{ type filter hook output priority 0; }' && "
            + $"nft add rule inet cvout out ip daddr {{ {NamespaceLab.Backend1}, {NamespaceLab.Backend2} }} tcp sport 32768-61000 counter");
        lab.StartHost(Config(NamespaceLab.Vip) + "\n[passthrough]\npacket_path = \"af_packet\"\n", "--passthrough");
        var url = $"http://{NamespaceLab.Vip}:8080/";
        await lab.WaitUntilServingAsync(url);

        AllSucceeded(await lab.GetAsync(url, Requests));
        Assert.Equal($"ok {BigSha256} {10 << 20}", await lab.Sha256Async(url + "big"));

        Assert.Contains("listening on eth0 over af_packet", lab.HostOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("prog/xdp", await lab.InAsync("lb", "ip", "link", "show", "eth0"), StringComparison.Ordinal);
        var listing = await lab.InAsync("lb", "nft", "list", "table", "inet", "cvout");
        var routedByKernel = int.Parse(System.Text.RegularExpressions.Regex.Match(listing, @"counter packets (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        // The backends' MACs are known from the start (the lab pings them, health checks reach them): a handful at most
        // may go through the kernel before the engine's first read of the tables.
        Assert.True(routedByKernel < 20, $"{routedByKernel} packets to the backends went through the kernel's IP output path");
    }

    [SkippableFact]
    public async Task A_dsr_flow_survives_a_restart_of_the_balancer_in_the_middle_of_a_transfer()
    {
        SkipUnlessLabAvailable();
        await using var lab = await NamespaceLab.StartAsync(setup: ["routed-vip lo", $"dsr-on {NamespaceLab.RoutedVip}"]);
        // A short drain: the stop must not wait for the transfer to end, or nothing would restart in its middle.
        // The kernel must drop the clients' segments in the gap rather than reset them: the firewall's drops outlive the stop.
        var config = Config(NamespaceLab.RoutedVip, "drain_timeout = 1") + "\n[passthrough]\nrestart_grace = 30\n";
        lab.StartHost(config, "--dsr");
        var url = $"http://{NamespaceLab.RoutedVip}:8080/";
        await lab.WaitUntilServingAsync(url);
        // 10 MiB read through a 64 KiB window over about 15 s: every ACK of the client goes through the balancer.
        var (transfer, output) = lab.StartClient("paced", NamespaceLab.RoutedVip, "8080", "/big", "15");
        await Eventually.TrueAsync(() => output().Contains("started", StringComparison.Ordinal), "the transfer started");

        await lab.StopHostAsync();
        lab.StartHost(config, "--dsr");
        await lab.WaitUntilServingAsync(url);
        Assert.False(transfer.HasExited, $"the transfer ended before the restarted balancer served (reset in the gap, or too short to span a restart): {output()}");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await transfer.WaitForExitAsync(timeout.Token);
        Assert.Equal($"started\nok {BigSha256} {10 << 20}", output().Trim());
    }

    [SkippableFact]
    public async Task A_passthrough_flow_cut_by_a_restart_of_the_balancer_gets_a_reset_from_the_balancer_not_a_servers_answer()
    {
        SkipUnlessLabAvailable();
        await using var lab = await NamespaceLab.StartAsync(setup: "routed-vip lo");
        var config = Config(NamespaceLab.RoutedVip, "drain_timeout = 1") + "\n[stats]\nport = 7000\n";
        lab.StartHost(config, "--passthrough");
        var url = $"http://{NamespaceLab.RoutedVip}:8080/";
        await lab.WaitUntilServingAsync(url);
        var marker = lab.MarkerPath();
        var (client, output) = lab.StartClient("half", NamespaceLab.RoutedVip, "8080", marker);
        await Eventually.TrueAsync(() => output().Contains("started", StringComparison.Ordinal), "the connection is open");

        await lab.StopHostAsync();
        lab.StartHost(config, "--passthrough");
        await lab.WaitUntilServingAsync(url);
        var flowsBefore = await PacketMetricAsync(lab, "convey_packet_flows_created_total");
        await File.WriteAllTextAsync(marker, "now");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await client.WaitForExitAsync(timeout.Token);
        var result = output().Trim().Split('\n')[^1];
        Assert.StartsWith("reset ", result, StringComparison.Ordinal);
        Assert.True(double.Parse(result[6..], CultureInfo.InvariantCulture) < 1, $"the client learned of the lost connection late: {result}");
        // The balancer answered: the segment was counted as untracked and opened no flow towards a server.
        Assert.True(await PacketMetricAsync(lab, "convey_packet_drops_total", "UntrackedSegment") >= 1, "the balancer sent no reset");
        Assert.Equal(flowsBefore, await PacketMetricAsync(lab, "convey_packet_flows_created_total"));
    }

    /// <summary>A packet engine counter of the host's <c>/metrics</c> (stats port 7000 in lb), for the drop reason if given.</summary>
    private static async Task<long> PacketMetricAsync(NamespaceLab lab, string name, string? dropReason = null)
    {
        var metrics = await lab.InAsync("lb", "python3", "-c", "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:7000/metrics').read().decode())");
        var labels = dropReason is null ? @"(\{[^}]*\})?" : $@"\{{[^}}]*convey_packet_drop_reason=""{dropReason}""[^}}]*\}}";
        var match = System.Text.RegularExpressions.Regex.Match(metrics, $@"(?m)^{name}{labels} (\d+)");
        Assert.True(match.Success, $"no {name} {dropReason} in /metrics:\n{metrics}");
        return long.Parse(match.Groups[^1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The id of the XDP program attached to the interface <c>ip link show</c> describes.</summary>
    private static string XdpProgramId(string link)
    {
        var match = System.Text.RegularExpressions.Regex.Match(link, @"prog/xdp id (\d+)");
        Assert.True(match.Success, $"no XDP program attached: {link}");
        return match.Groups[1].Value;
    }

    private static string Frontend(string name, string vip, int port) => $"""

        [frontends.{name}]
        listen_addr = "{vip}:{port}"
        backend = "pool"
        """;

    /// <summary>
    /// In the lab set up by <paramref name="setup"/>, a DSR frontend on <paramref name="vip"/> serves every request and
    /// the big download, backends see the real client, no reply reaches the balancer.
    /// </summary>
    private static async Task AssertDsrServesRealClientsAsync(string vip, string frontendExtra, params string[] setup) =>
        await AssertDsrServesRealClientsAsync(vip, frontendExtra, sectionExtra: "", setup);

    /// <summary>
    /// The same with <paramref name="sectionExtra"/> appended to the configuration (a <c>[passthrough]</c> section); returns
    /// the host's output. The client's address is of the VIP's family.
    /// </summary>
    private static async Task<string> AssertDsrServesRealClientsAsync(string vip, string frontendExtra, string sectionExtra, params string[] setup)
    {
        SkipUnlessLabAvailable();
        await using var lab = await NamespaceLab.StartAsync(setup: setup);
        var client = IsIPv6(vip) ? NamespaceLab.Client6 : NamespaceLab.Client;
        await CountRepliesToClientAsync(lab, client);
        lab.StartHost(Config(vip, frontendExtra) + "\n" + sectionExtra, "--dsr");
        var url = Url(vip);
        await lab.WaitUntilServingAsync(url);

        var answers = AllSucceeded(await lab.GetAsync(url, Requests));

        Assert.All(answers, a => Assert.Equal(client, a.Peer));
        Assert.Contains(answers, a => a.Backend == "b2");
        Assert.Equal($"ok {BigSha256} {10 << 20}", await lab.Sha256Async(url + "big"));
        Assert.Equal(0, await CountRepliesToClientAsync(lab, client));
        AssertReceivesOnlyWhereConfigured(lab, frontendExtra.Contains("interface", StringComparison.Ordinal));
        return lab.HostOutput;
    }

    /// <summary>
    /// In the lab set up by <paramref name="setup"/> (a VIP routed to the balancer), a passthrough frontend on the routed
    /// VIP serves every request and the big download through NAT ports of the VIP.
    /// </summary>
    private static async Task AssertPassthroughServesEveryRequestAsync(string sectionExtra, params string[] setup)
    {
        SkipUnlessLabAvailable();
        await using var lab = await NamespaceLab.StartAsync(setup: setup);
        lab.StartHost(Config(NamespaceLab.RoutedVip) + "\n" + sectionExtra, "--passthrough");
        var url = $"http://{NamespaceLab.RoutedVip}:8080/";
        await lab.WaitUntilServingAsync(url);

        var answers = AllSucceeded(await lab.GetAsync(url, Requests));

        Assert.All(answers, a => Assert.Equal(NamespaceLab.RoutedVip, a.Peer));
        Assert.All(answers, a => Assert.InRange(a.Port, 32768, 61000));
        Assert.Contains(answers, a => a.Backend == "b2");
        Assert.Equal($"ok {BigSha256} {10 << 20}", await lab.Sha256Async(url + "big"));
        AssertReceivesOnlyWhereConfigured(lab, sectionExtra.Contains("interface", StringComparison.Ordinal));
    }

    /// <summary>The host receives on eth0, never on lo, and on the dummy interface only when no interface is named.</summary>
    private static void AssertReceivesOnlyWhereConfigured(NamespaceLab lab, bool namedEth0)
    {
        var output = lab.HostOutput;
        Assert.Contains("Packet engine listening on eth0", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Packet engine listening on lo", output, StringComparison.Ordinal);
        if (namedEth0)
        {
            Assert.DoesNotContain("Packet engine listening on vip0", output, StringComparison.Ordinal);
        }
    }

    private static void SkipUnlessLabAvailable() => Prerequisite.Require(NamespaceLab.WhyUnavailable());

    /// <summary>
    /// Weights 3:1; the pool's default policy (Maglev for packet modes) unless <paramref name="balance"/> names one. The
    /// backends' addresses are of the VIP's family.
    /// </summary>
    private static string Config(string vip, string frontendExtra = "", int healthInterval = 3, string? balance = null) => $"""
        [frontends.web]
        listen_addr = "{EndPoint(vip, 8080)}"
        backend = "pool"
        {frontendExtra}

        [backends.pool]
        {(balance is null ? string.Empty : $"balance = \"{balance}\"")}
        health_check_interval = {healthInterval}
        health_check_timeout = 1
        fall = 2
          [backends.pool.servers.b1]
          addr = "{EndPoint(IsIPv6(vip) ? NamespaceLab.Backend1v6 : NamespaceLab.Backend1, 8080)}"
          weight = 3
          [backends.pool.servers.b2]
          addr = "{EndPoint(IsIPv6(vip) ? NamespaceLab.Backend2v6 : NamespaceLab.Backend2, 8080)}"
          weight = 1
        """;

    private static bool IsIPv6(string address) => address.Contains(':', StringComparison.Ordinal);

    /// <summary>address:port, an IPv6 address in brackets.</summary>
    private static string EndPoint(string address, int port) => IsIPv6(address) ? $"[{address}]:{port}" : $"{address}:{port}";

    private static string Url(string vip) => $"http://{EndPoint(vip, 8080)}/";

    private static List<(string Backend, string Peer, int Port)> AllSucceeded(string[] results)
    {
        Assert.NotEmpty(results);
        var failures = results.Where(r => !r.StartsWith("ok ", StringComparison.Ordinal)).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {results.Length} requests failed, first: {failures.FirstOrDefault()}");
        return [.. results.Select(r => r.Split(' ')).Select(f => (f[1], f[2], int.Parse(f[3], CultureInfo.InvariantCulture)))];
    }

    /// <summary>
    /// Packets from the backends' port to the client that reach the balancer, counted by an nftables rule in lb
    /// (installed on first call, read and removed on the second).
    /// </summary>
    private static async Task<int> CountRepliesToClientAsync(NamespaceLab lab, string client)
    {
        var listing = await lab.InAsync("lb", "sh", "-c", "nft list table netdev cvprobe 2>/dev/null || true");
        if (listing.Length == 0)
        {
            await lab.InAsync("lb", "sh", "-c",
                $"nft add table netdev cvprobe && nft add chain netdev cvprobe in '{{ type filter hook ingress device eth0 priority 0; }}' && nft add rule netdev cvprobe in {(IsIPv6(client) ? "ip6" : "ip")} daddr {client} tcp sport 8080 counter");
            return 0;
        }

        await lab.InAsync("lb", "nft", "delete", "table", "netdev", "cvprobe");
        var counter = System.Text.RegularExpressions.Regex.Match(listing, @"counter packets (\d+)");
        Assert.True(counter.Success, listing);
        return int.Parse(counter.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>What backend.py serves at /big: sha256("0"), sha256("1"), ... for 10 MiB.</summary>
    private static byte[] BigBody()
    {
        var body = new byte[10 << 20];
        for (var i = 0; i < body.Length / 32; i++)
        {
            SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(i.ToString(CultureInfo.InvariantCulture)), body.AsSpan(i * 32, 32));
        }

        return body;
    }
}
