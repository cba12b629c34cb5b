using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.RawPacket.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace Convey.RawPacket.Tests.Engine;

public class PacketEngineListenTests
{
    [SkippableFact]
    public async Task Frontend_on_an_address_no_interface_holds_is_refused_as_not_local_and_reported_not_listening()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the packet engine runs on Linux");
        var snapshot = TestRuntime.CreateRuntime().Apply(Config(new IPEndPoint(IPAddress.Parse("198.18.0.2"), 8080)));
        await using var engine = new PacketEngine(NullLogger<PacketEngine>.Instance, TimeProvider.System);

        var refused = await Assert.ThrowsAsync<FrontendListenException>(() => engine.ApplyAsync(snapshot, CancellationToken.None));

        var failure = Assert.Single(refused.Failures);
        Assert.Equal("web", failure.Frontend);
        Assert.StartsWith("address not local: no interface of this host holds 198.18.0.2", failure.Reason, StringComparison.Ordinal);
        Assert.False(snapshot.Frontends["web"].IsListening);
        Assert.Equal(failure.Reason, snapshot.Frontends["web"].ListenError);
    }

    [SkippableFact]
    public async Task Frontend_on_a_local_address_is_reported_listening_once_its_capture_is_set_up()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "AF_PACKET sockets need root (CAP_NET_RAW)");
        using var port = new ReservedPort();
        var snapshot = TestRuntime.CreateRuntime().Apply(Config(port.EndPoint));
        await using var engine = new PacketEngine(NullLogger<PacketEngine>.Instance, TimeProvider.System);

        await engine.ApplyAsync(snapshot, CancellationToken.None);

        Assert.True(snapshot.Frontends["web"].IsListening);
        Assert.Null(snapshot.Frontends["web"].ListenError);
    }

    [SkippableFact]
    public async Task Frontend_listening_on_af_packet_reports_that_path()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "AF_PACKET sockets need root (CAP_NET_RAW)");
        using var port = new ReservedPort();
        var config = Config(port.EndPoint) with { Sections = ImmutableDictionary<string, ConfigSettings>.Empty.Add("passthrough", new ConfigSettings([new("packet_path", "af_packet")])) };
        var snapshot = TestRuntime.CreateRuntime().Apply(config);
        await using var engine = new PacketEngine(NullLogger<PacketEngine>.Instance, TimeProvider.System);

        await engine.ApplyAsync(snapshot, CancellationToken.None);

        Assert.True(snapshot.Frontends["web"].IsListening);
        Assert.Equal("af_packet", snapshot.Frontends["web"].Transport);
    }

    [SkippableFact]
    public async Task Frontend_on_loopback_runs_on_af_packet_by_default_and_forcing_af_xdp_there_is_a_listen_failure_saying_why()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "AF_PACKET sockets need root (CAP_NET_RAW)");
        using var port = new ReservedPort();
        var automatic = TestRuntime.CreateRuntime().Apply(Config(port.EndPoint));
        // DSR: a passthrough frontend also takes its NAT replies on every uplink, where AF_XDP may fail for reasons of its own.
        var dsr = Config(port.EndPoint);
        var forced = TestRuntime.CreateRuntime().Apply(dsr with
        {
            Frontends = [dsr.Frontends[0] with { Mode = "dsr" }],
            Sections = ImmutableDictionary<string, ConfigSettings>.Empty.Add("passthrough", new ConfigSettings([new("packet_path", "af_xdp")])),
        });

        await using (var engine = new PacketEngine(NullLogger<PacketEngine>.Instance, TimeProvider.System))
        {
            await engine.ApplyAsync(automatic, CancellationToken.None);
            Assert.Equal("af_packet", automatic.Frontends["web"].Transport);
        }

        await using (var engine = new PacketEngine(NullLogger<PacketEngine>.Instance, TimeProvider.System))
        {
            var refused = await Assert.ThrowsAsync<FrontendListenException>(() => engine.ApplyAsync(forced, CancellationToken.None));
            Assert.Contains("AF_XDP does not serve the loopback interface", Assert.Single(refused.Failures).Reason, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task Frontend_naming_an_interface_the_host_lacks_is_reported_not_listening_with_the_interfaces_it_has()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the packet engine runs on Linux");
        var config = Config(new IPEndPoint(IPAddress.Loopback, 8080));
        config = config with { Frontends = [config.Frontends[0] with { Settings = new ConfigSettings([new("manage_firewall", "false"), new("interface", "nosuch0")]) }] };
        var snapshot = TestRuntime.CreateRuntime().Apply(config);
        await using var engine = new PacketEngine(NullLogger<PacketEngine>.Instance, TimeProvider.System);

        var refused = await Assert.ThrowsAsync<FrontendListenException>(() => engine.ApplyAsync(snapshot, CancellationToken.None));

        var failure = Assert.Single(refused.Failures);
        Assert.StartsWith("interface \"nosuch0\" does not exist on this host (it has: lo", failure.Reason, StringComparison.Ordinal);
        Assert.False(snapshot.Frontends["web"].IsListening);
    }

    /// <summary>
    /// A passthrough frontend on <paramref name="listen"/> whose pool balances with <paramref name="balance"/>, taking its
    /// packets on <c>lo</c> (named: loopback is no uplink), where the test's own connections arrive.
    /// </summary>
    internal static ConveyConfig Config(IPEndPoint listen, string balance = BalancingPolicyNames.RoundRobin) => new()
    {
        Frontends =
        [
            new FrontendConfig
            {
                Name = "web", ListenEndPoint = listen, Pool = "pool", Mode = "passthrough",
                Settings = new ConfigSettings([new("manage_firewall", "false"), new("interface", "lo")]),
            },
        ],
        Pools =
        [
            new BackendPoolConfig
            {
                Name = "pool",
                Balance = balance,
                Servers = [new ServerConfig { Name = "b1", Address = IPEndPoint.Parse("198.18.1.11:8080") }],
            },
        ],
    };
}
