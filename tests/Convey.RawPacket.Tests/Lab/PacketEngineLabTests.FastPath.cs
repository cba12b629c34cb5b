using System.Globalization;

namespace Convey.RawPacket.Tests.Lab;

/// <summary>
/// The AF_XDP path's in-kernel fast path in the lab: established flows forwarded by the TC program, their bytes still
/// counted, taken off at FIN, kept alive by their traffic past the idle timeout, expired when idle, and taken off when a
/// reload removes their frontend.
/// </summary>
public partial class PacketEngineLabTests
{
    private const string StatsPort = "\n[stats]\nport = 7000\n";

    [SkippableFact]
    public async Task Passthrough_forwards_established_flows_in_the_kernels_fast_path_counts_their_bytes_and_takes_them_off_at_fin()
    {
        SkipUnlessLabAvailable();
        Prerequisite.Require(Xdp.VethNamespaces.WhyUnavailable());
        await using var lab = await NamespaceLab.StartAsync();
        lab.StartHost(Config(NamespaceLab.Vip) + StatsPort, "--passthrough");
        var url = $"http://{NamespaceLab.Vip}:8080/";
        await lab.WaitUntilServingAsync(url);
        Assert.Contains("TC fast path for established IPv4 flows", lab.HostOutput, StringComparison.Ordinal);
        Assert.Contains("listening on eth0 over af_xdp+tc", lab.HostOutput, StringComparison.Ordinal);

        Assert.Equal($"ok {BigSha256} {10 << 20}", await lab.Sha256Async(url + "big"));

        // 10 MiB is over 7,000 segments from the server and thousands of ACKs from the client; only the handshake and the
        // FINs pass through user space. The counters are read once a second.
        await Eventually.ReturnsAsync(() => PacketMetricAsync(lab, "convey_packet_fast_path_packets_total"), p => p > 5000, "the download went through the fast path");
        await Eventually.ReturnsAsync(() => PacketMetricAsync(lab, "convey_packet_fast_path_flows"), f => f == 0, "the FINs took the flow off the fast path");
        await Eventually.ReturnsAsync(() => FrontendStatAsync(lab, "web", "bytes_rx"), b => b >= 10 << 20, "the fast path's bytes reach /stats");
        AllSucceeded(await lab.GetAsync(url, 20));
    }

    [SkippableFact]
    public async Task Dsr_l3_forwards_the_clients_established_segments_in_the_kernels_fast_path()
    {
        SkipUnlessLabAvailable();
        Prerequisite.Require(Xdp.VethNamespaces.WhyUnavailable());
        await using var lab = await NamespaceLab.StartAsync(setup: "dsr-on");
        lab.StartHost(Config(NamespaceLab.Vip) + StatsPort, "--dsr");
        var url = $"http://{NamespaceLab.Vip}:8080/";
        await lab.WaitUntilServingAsync(url);

        Assert.Equal($"ok {BigSha256} {10 << 20}", await lab.Sha256Async(url + "big"));
        var answers = AllSucceeded(await lab.GetAsync(url, 50));

        Assert.All(answers, a => Assert.Equal(NamespaceLab.Client, a.Peer));
        await Eventually.ReturnsAsync(() => PacketMetricAsync(lab, "convey_packet_fast_path_packets_total"), p => p > 100, "the client's ACKs went through the fast path");
        await Eventually.ReturnsAsync(() => PacketMetricAsync(lab, "convey_packet_fast_path_flows"), f => f == 0, "the FINs took the flows off the fast path");
    }

    [SkippableFact]
    public async Task A_transfer_on_the_fast_path_longer_than_the_idle_timeout_completes_its_traffic_keeps_the_flow_alive()
    {
        SkipUnlessLabAvailable();
        Prerequisite.Require(Xdp.VethNamespaces.WhyUnavailable());
        await using var lab = await NamespaceLab.StartAsync();
        lab.StartHost(Config(NamespaceLab.Vip, "idle_timeout = 2") + StatsPort, "--passthrough");
        await lab.WaitUntilServingAsync($"http://{NamespaceLab.Vip}:8080/");

        // Paced over 6 s through a 64 KiB window: the tracker sees none of it but the handshake, so only the fast path's
        // counters, read into the tracker once a second, keep the flow from expiring after 2 s.
        var (client, output) = lab.StartClient("paced", NamespaceLab.Vip, "8080", "/big", "6");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await client.WaitForExitAsync(timeout.Token);

        Assert.Equal($"started\nok {BigSha256} {10 << 20}", output().Trim());
        Assert.True(await PacketMetricAsync(lab, "convey_packet_fast_path_packets_total") > 1000, "the transfer did not take the fast path");
    }

    [SkippableFact]
    public async Task An_idle_flow_on_the_fast_path_expires_with_the_tracker_and_its_next_segment_gets_the_balancers_reset()
    {
        SkipUnlessLabAvailable();
        Prerequisite.Require(Xdp.VethNamespaces.WhyUnavailable());
        await using var lab = await NamespaceLab.StartAsync();
        lab.StartHost(Config(NamespaceLab.Vip, "idle_timeout = 2") + StatsPort, "--passthrough");
        await lab.WaitUntilServingAsync($"http://{NamespaceLab.Vip}:8080/");
        var marker = lab.MarkerPath();
        // The request's first part in 20 segments: enough packets for the flow to count as settled and take the fast path.
        var (client, output) = lab.StartClient("half", NamespaceLab.Vip, "8080", marker, "20");
        await Eventually.TrueAsync(() => output().Contains("started", StringComparison.Ordinal), "the connection is open");
        await Eventually.ReturnsAsync(() => PacketMetricAsync(lab, "convey_packet_fast_path_flows"), f => f >= 1, "the established flow is on the fast path");

        await Eventually.ReturnsAsync(() => PacketMetricAsync(lab, "convey_packet_fast_path_flows"), f => f == 0, "the idle flow left the fast path");
        Assert.True(await PacketMetricAsync(lab, "convey_packet_flows_expired_total") >= 1, "the tracker expired no flow");
        await File.WriteAllTextAsync(marker, "now");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await client.WaitForExitAsync(timeout.Token);

        // Off the fast path, the segment met the pipeline: a flow it no longer tracks, answered for (docs/modes.md).
        Assert.StartsWith("reset ", output().Trim().Split('\n')[^1], StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_reload_that_removes_the_frontend_takes_its_flows_off_the_fast_path()
    {
        SkipUnlessLabAvailable();
        Prerequisite.Require(Xdp.VethNamespaces.WhyUnavailable());
        await using var lab = await NamespaceLab.StartAsync();
        lab.StartHost(Config(NamespaceLab.Vip, "drain_timeout = 1") + Frontend("second", NamespaceLab.Vip, 8081) + StatsPort, "--passthrough");
        await lab.WaitUntilServingAsync($"http://{NamespaceLab.Vip}:8080/");
        // The request's first part in 20 segments: enough packets for the flow to count as settled and take the fast path.
        var (client, output) = lab.StartClient("half", NamespaceLab.Vip, "8080", lab.MarkerPath(), "20");
        await Eventually.TrueAsync(() => output().Contains("started", StringComparison.Ordinal), "the connection is open");
        await Eventually.ReturnsAsync(() => PacketMetricAsync(lab, "convey_packet_fast_path_flows"), f => f >= 1, "the established flow is on the fast path");

        lab.ReplaceConfig(Config(NamespaceLab.Vip).Replace("[frontends.web]", "[frontends.gone]", StringComparison.Ordinal)
            .Replace($"{NamespaceLab.Vip}:8080", $"{NamespaceLab.Vip}:8082", StringComparison.Ordinal) + Frontend("second", NamespaceLab.Vip, 8081) + StatsPort);

        await Eventually.ReturnsAsync(() => PacketMetricAsync(lab, "convey_packet_fast_path_flows"), f => f == 0, "the removed frontend's flow left the fast path");
        client.Kill();
    }

    /// <summary>A frontend's counter in the host's <c>/stats</c> (stats port 7000 in lb).</summary>
    private static async Task<long> FrontendStatAsync(NamespaceLab lab, string frontend, string key)
    {
        var value = await lab.InAsync("lb", "python3", "-c",
            $"import json, urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:7000/stats'))['frontends']['{frontend}']['{key}'])");
        return long.Parse(value.Trim(), CultureInfo.InvariantCulture);
    }
}
