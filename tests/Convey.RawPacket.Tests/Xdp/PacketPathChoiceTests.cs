using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tests.Engine;
using Convey.RawPacket.Xdp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Convey.RawPacket.Tests.Xdp;

/// <summary>
/// Which path a receive group gets on an interface where XDP works and on one where it does not (another program
/// holds the interface's XDP hook): <c>auto</c> falls back to AF_PACKET and says so, <c>af_xdp</c> refuses.
/// </summary>
public class PacketPathChoiceTests
{
    [SkippableFact]
    public void Auto_takes_af_xdp_with_one_port_per_receive_queue_where_xdp_works()
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        using var pair = VethNamespaces.Create(channels: 2);
        var logger = new FakeLogger();

        var paths = VethNamespaces.In(pair.Local, () => OpenAndClose(PacketPath.Auto, logger));

        Assert.Equal([PacketSettings.AfXdpPath, PacketSettings.AfXdpPath], paths);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == PacketLogEvents.XdpAttached && r.Message.Contains("2 queue(s)", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void Af_xdp_attaches_the_tc_fast_path_for_established_flows_unless_fast_path_is_off_and_logs_which()
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        // A pair each: an AF_XDP socket's queue is free again only some time after the socket closed.
        using var first = VethNamespaces.Create();
        using var second = VethNamespaces.Create();
        var on = new FakeLogger();
        var off = new FakeLogger();

        VethNamespaces.In(first.Local, () => OpenAndClose(PacketPath.AfXdp, on));
        VethNamespaces.In(second.Local, () => OpenAndClose(PacketPath.AfXdp, off, fastPath: false));

        Assert.Contains(on.Collector.GetSnapshot(), r => r.Id.Id == PacketLogEvents.XdpAttached && r.Message.EndsWith("TC fast path for established IPv4 flows", StringComparison.Ordinal));
        Assert.Contains(off.Collector.GetSnapshot(), r => r.Id.Id == PacketLogEvents.XdpAttached && r.Message.EndsWith("no TC fast path (fast_path = false)", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void Auto_falls_back_to_af_packet_and_logs_why_when_xdp_cannot_attach()
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        using var pair = VethNamespaces.Create();
        var logger = new FakeLogger();

        var paths = VethNamespaces.In(pair.Local, () =>
        {
            using var other = XdpSteering.Attach(Eth0(), queues: 1);
            return OpenAndClose(PacketPath.Auto, logger);
        });

        Assert.All(paths, p => Assert.Equal(PacketSettings.AfPacketPath, p));
        var warning = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == PacketLogEvents.XdpUnavailable);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("using AF_PACKET", warning.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Af_xdp_refuses_with_the_reason_and_the_fix_when_xdp_cannot_attach()
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        using var pair = VethNamespaces.Create();

        var failure = VethNamespaces.In(pair.Local, () =>
        {
            using var other = XdpSteering.Attach(Eth0(), queues: 1);
            return Assert.Throws<InvalidOperationException>(() => OpenAndClose(PacketPath.AfXdp, new FakeLogger()));
        });

        Assert.Contains("AF_XDP does not work on eth0", failure.Message, StringComparison.Ordinal);
        Assert.Contains("BPF_LINK_CREATE", failure.Message, StringComparison.Ordinal);
        Assert.Contains("packet_path = \"auto\"", failure.Message, StringComparison.Ordinal);
    }

    private static string[] OpenAndClose(PacketPath path, ILogger logger, bool fastPath = true)
    {
        using var fixture = new PipelineFixture("passthrough");
        var vip = PacketAddress.From(System.Net.IPAddress.Parse(VethNamespaces.LocalAddress));
        var plan = new ReceiveGroupPlan(fixture.Pipeline, Eth0(), 1500, Workers: 3, path, [(vip, 8080)], [vip], fastPath);
        var ports = PacketPorts.Open(plan, "eth0", PacketFilter.Build(plan.Ports, plan.NatAddresses), new NextHopTable(), logger);
        try
        {
            return [.. ports.Select(p => p.Path)];
        }
        finally
        {
            foreach (var port in ports)
            {
                port.Dispose();
            }
        }
    }

    private static int Eth0() =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().Single(n => n.Name == "eth0").GetIPProperties().GetIPv4Properties().Index;
}
