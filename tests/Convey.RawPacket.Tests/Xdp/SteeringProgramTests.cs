using System.Net;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tests.Packets;
using Convey.RawPacket.Xdp;
using static Convey.RawPacket.Tests.Xdp.ProgramTestRun;

namespace Convey.RawPacket.Tests.Xdp;

/// <summary>
/// The steering program as the kernel runs it (BPF_PROG_TEST_RUN on frames built here), attached to eth0 of a
/// namespace of the test with an AF_XDP socket on queue 0: what it hands to the socket and what it leaves to the kernel.
/// </summary>
public class SteeringProgramTests
{
    private const string NatAddress = "198.18.0.3";

    [SkippableFact]
    public void The_steering_program_passes_the_kernels_verifier()
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        using var served = BpfMap.Create(Interop.Libc.BPF_MAP_TYPE_HASH, SteeringKey.Size, sizeof(uint), 16, "test_served");
        using var sockets = BpfMap.Create(Interop.Libc.BPF_MAP_TYPE_XSKMAP, sizeof(uint), sizeof(uint), 4, "test_xsks");

        using var program = BpfProgram.LoadXdp(SteeringProgram.Build(served.Fd, sockets.Fd), SteeringProgram.Name);

        Assert.True(program.Fd > 0);
    }

    [SkippableFact]
    public void A_program_the_verifier_refuses_reports_the_verifiers_reason()
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        // Reads the frame without checking its length first.
        var unchecked_ = new BpfProgramBuilder()
            .Load(BpfSize.Word, BpfRegister.R2, BpfRegister.R1, 0)
            .Load(BpfSize.Byte, BpfRegister.R0, BpfRegister.R2, 0)
            .Exit()
            .Build();

        var refusal = Assert.Throws<BpfVerifierException>(() => BpfProgram.LoadXdp(unchecked_, "test_refused"));

        Assert.Contains("invalid access to packet", refusal.VerifierLog, StringComparison.Ordinal);
        Assert.Contains("invalid access to packet", refusal.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Served_tcp_goes_to_the_socket_and_everything_else_to_the_kernel()
    {
        WithSteering(steering =>
        {
            var local = VethNamespaces.LocalAddress;
            var fd = steering.ProgramFd;

            Assert.Equal(XdpRedirect, Run(fd, TestFrames.Tcp4(local, 8080)));
            Assert.Equal(XdpRedirect, Run(fd, TestFrames.Tcp4(local, 8080, vlan: 7)));
            Assert.Equal(XdpRedirect, Run(fd, TestFrames.Tcp6(VethNamespaces.LocalAddress6, 8443)));
            Assert.Equal(XdpRedirect, Run(fd, TestFrames.Tcp4(NatAddress, 32768, flags: TcpFlags.Syn | TcpFlags.Ack)));
            Assert.Equal(XdpRedirect, Run(fd, TestFrames.Tcp4(NatAddress, 61000, flags: TcpFlags.Ack)));

            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp4(local, 22)));
            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp4(local, 8443)));
            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp4(NatAddress, 32767)));
            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp4(NatAddress, 61001)));
            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp4(local, 40000)));
            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp6(VethNamespaces.LocalAddress6, 8080)));
            Assert.Equal(XdpPass, Run(fd, TestFrames.Ethernet(TestFrames.Arp, new byte[28])));
            Assert.Equal(XdpPass, Run(fd, Icmp4(local)));
            Assert.Equal(XdpPass, Run(fd, Udp4(local, 8080)));
            Assert.Equal(XdpPass, Run(fd, LaterFragment(local, 8080)));
            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp4(local, 8080)[..(14 + 20 + 2)]));
            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp4(local, 8080)[..14]));
            Assert.Equal(XdpPass, Run(fd, ShortIpv4Header(local, 8080)));
        });
    }

    [SkippableFact]
    public void Ipv6_tcp_behind_up_to_four_extension_headers_goes_to_the_socket_and_a_fragment_or_a_longer_chain_to_the_kernel()
    {
        WithSteering(steering =>
        {
            var fd = steering.ProgramFd;
            var local = VethNamespaces.LocalAddress6;

            for (var headers = 1; headers <= SteeringProgram.MaxExtensionHeaders; headers++)
            {
                Assert.Equal(XdpRedirect, Run(fd, TestFrames.Tcp6(local, 8443, extensionHeaders: headers)));
            }

            Assert.Equal(XdpRedirect, Run(fd, Frame6(TestPackets6.Tcp(Peer6, 40000, Address(local), 8443, extensions:
                [new(IPv6ExtensionHeaders.HopByHop, 8), new(IPv6ExtensionHeaders.Routing, 24), new(IPv6ExtensionHeaders.DestinationOptions, 16)]))));
            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp6(local, 8443, extensionHeaders: SteeringProgram.MaxExtensionHeaders + 1)));
            Assert.Equal(XdpPass, Run(fd, Frame6(TestPackets6.Tcp(Peer6, 40000, Address(local), 8443, extensions: [new(IPv6ExtensionHeaders.Fragment, 8)]))));
            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp6(local, 8080, extensionHeaders: 2)));
            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp6(local, 8443, extensionHeaders: 2)[..(14 + 40 + 12)]));
        });
    }

    [SkippableFact]
    public void Icmp_errors_quoting_a_segment_sent_from_a_served_address_and_port_go_to_the_socket_and_other_icmp_to_the_kernel()
    {
        WithSteering(steering =>
        {
            var fd = steering.ProgramFd;
            var local = Address(VethNamespaces.LocalAddress6);
            var router = TestPackets6.Router;
            var fromFrontend6 = TestPackets6.Tcp(local, 8443, Peer6, 40000);
            var fromOtherPort6 = TestPackets6.Tcp(local, 22, Peer6, 40000);
            var local4 = TestFrames.Address4(VethNamespaces.LocalAddress);
            var peer4 = TestFrames.Address4(VethNamespaces.PeerAddress);

            Assert.Equal(XdpRedirect, Run(fd, Frame6(TestPackets6.IcmpError(router, local, 2, fromFrontend6))));
            Assert.Equal(XdpRedirect, Run(fd, Frame6(TestPackets6.IcmpError(router, local, 1, fromFrontend6))));
            Assert.Equal(XdpRedirect, Run(fd, Frame4(TestPackets.IcmpError(peer4, local4, 4, TestPackets.Tcp(local4, 8080, peer4, 40000)))));
            Assert.Equal(XdpRedirect, Run(fd, Frame4(TestPackets.IcmpError(peer4, local4, 4, TestPackets.Tcp(TestFrames.Address4(NatAddress), 40000, peer4, 8080)))));

            Assert.Equal(XdpPass, Run(fd, Frame6(TestPackets6.IcmpError(router, local, 2, fromOtherPort6))));
            Assert.Equal(XdpPass, Run(fd, Frame6(TestPackets6.IcmpError(router, local, 3, fromFrontend6)))); // time exceeded
            Assert.Equal(XdpPass, Run(fd, Frame6(TestPackets6.IcmpError(router, local, 135, fromFrontend6)))); // neighbour solicitation
            Assert.Equal(XdpPass, Run(fd, Frame6(TestPackets6.IcmpError(router, local, 2, fromFrontend6, quotedLength: 40))));
            Assert.Equal(XdpPass, Run(fd, Frame4(TestPackets.IcmpError(peer4, local4, 4, TestPackets.Tcp(local4, 22, peer4, 40000)))));
            Assert.Equal(XdpPass, Run(fd, Frame4(TestPackets.IcmpError(peer4, local4, 4, TestPackets.Tcp(TestFrames.Address4(NatAddress), 32767, peer4, 8080)))));
        });
    }

    [SkippableFact]
    public void A_reload_changes_what_is_steered_without_reattaching()
    {
        WithSteering(steering =>
        {
            var local = VethNamespaces.LocalAddress;
            var program = steering.ProgramFd;

            steering.Serve([SteeringKey.Frontend(Address(local), 9090)]);

            Assert.Equal(XdpPass, Run(program, TestFrames.Tcp4(local, 8080)));
            Assert.Equal(XdpPass, Run(program, TestFrames.Tcp4(NatAddress, 40000)));
            Assert.Equal(XdpRedirect, Run(program, TestFrames.Tcp4(local, 9090)));
            Assert.Equal(program, steering.ProgramFd);
            Assert.False(steering.IsServed(SteeringKey.Frontend(Address(local), 8080)));
        });
    }

    [SkippableFact]
    public void Served_tcp_on_a_queue_without_a_socket_goes_to_the_kernel()
    {
        WithSteering(steering =>
        {

            steering.ClearSocket(0);

            Assert.Equal(XdpPass, Run(steering.ProgramFd, TestFrames.Tcp4(VethNamespaces.LocalAddress, 8080)));
        });
    }

    /// <summary>Runs <paramref name="test"/> inside a namespace whose eth0 has the steering program, an AF_XDP socket on queue 0 and three served keys.</summary>
    private static void WithSteering(Action<XdpSteering> test)
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        using var pair = VethNamespaces.Create();
        VethNamespaces.In(pair.Local, () =>
        {
            using var steering = Steering(out var socket);
            using var _ = socket;
            test(steering);
            return 0;
        });
    }

    private static XdpSteering Steering(out XskSocket socket)
    {
        var index = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().Single(n => n.Name == "eth0").GetIPProperties().GetIPv4Properties().Index;
        var steering = XdpSteering.Attach(index, queues: 1);
        try
        {
            socket = XskSocket.Open(index, 0, copyOnly: steering.Mode == XdpAttachMode.Generic);
            steering.SetSocket(0, socket.Fd);
            steering.Serve(
            [
                SteeringKey.Frontend(Address(VethNamespaces.LocalAddress), 8080),
                SteeringKey.Frontend(Address(VethNamespaces.LocalAddress6), 8443),
                SteeringKey.NatReplies(Address(NatAddress)),
            ]);
            return steering;
        }
        catch
        {
            steering.Dispose();
            throw;
        }
    }

    private static byte[] Icmp4(string destination)
    {
        var packet = TestPackets.Tcp(TestFrames.Address4(VethNamespaces.PeerAddress), 0, TestFrames.Address4(destination), 8080);
        packet[9] = 1;
        return TestFrames.Ethernet(TestFrames.Ipv4, packet);
    }

    private static byte[] Udp4(string destination, ushort port)
    {
        var packet = TestPackets.Tcp(TestFrames.Address4(VethNamespaces.PeerAddress), 40000, TestFrames.Address4(destination), port);
        packet[9] = 17;
        return TestFrames.Ethernet(TestFrames.Ipv4, packet);
    }

    private static byte[] LaterFragment(string destination, ushort port)
    {
        var packet = TestPackets.Tcp(TestFrames.Address4(VethNamespaces.PeerAddress), 40000, TestFrames.Address4(destination), port);
        packet[6] = 0x00;
        packet[7] = 0x10; // fragment offset 16 (128 bytes): what follows the IP header is not a TCP header
        return TestFrames.Ethernet(TestFrames.Ipv4, packet);
    }

    private static byte[] ShortIpv4Header(string destination, ushort port)
    {
        var packet = TestPackets.Tcp(TestFrames.Address4(VethNamespaces.PeerAddress), 40000, TestFrames.Address4(destination), port);
        packet[0] = 0x44; // IHL 4: shorter than an IPv4 header can be
        return TestFrames.Ethernet(TestFrames.Ipv4, packet);
    }

    private static PacketAddress Address(string address) => PacketAddress.From(IPAddress.Parse(address));

    private static readonly PacketAddress Peer6 = Address("2001:2::1");

    private static byte[] Frame6(byte[] packet) => TestFrames.Ethernet(TestFrames.Ipv6, packet);

    private static byte[] Frame4(byte[] packet) => TestFrames.Ethernet(TestFrames.Ipv4, packet);
}
