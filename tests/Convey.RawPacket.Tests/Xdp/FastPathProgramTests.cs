using System.Buffers.Binary;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tests.Packets;
using Convey.RawPacket.Xdp;
using static Convey.RawPacket.Tests.Xdp.ProgramTestRun;

namespace Convey.RawPacket.Tests.Xdp;

/// <summary>
/// The fast path's TC program as the kernel runs it (BPF_PROG_TEST_RUN on frames built here): what it does to a packet of
/// a flow in its map, and that it leaves everything else alone; and the steering program's side of it, which leaves such
/// packets to the kernel but hands SYN, FIN and RST to the engine.
/// </summary>
public class FastPathProgramTests
{
    private const int Redirect = 7;
    private const ulong ServerMac = 0x02AA_BBCC_DD01, OwnMac = 0x02AA_BBCC_DD02;
    private const int ServerInterface = 1;

    [SkippableFact]
    public void A_packet_of_a_flow_in_the_map_is_rewritten_as_its_entry_says_with_both_checksums_right_counted_and_redirected()
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        using var fastPath = FastPath.Create(16);
        using var program = BpfProgram.LoadTcxIngress(FastPathProgram.Build(fastPath.MapFd), FastPathProgram.Name);
        var packet = TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080, TcpFlags.Ack | TcpFlags.Psh, payloadLength: 1000);
        var expected = TestPackets.Tcp(TestPackets.Vip, 40001, TestPackets.Server1, 9090, TcpFlags.Ack | TcpFlags.Psh, payloadLength: 1000);
        InstallClientToServer(fastPath);

        var verdict = Run(program.Fd, TestFrames.Ethernet(TestFrames.Ipv4, packet), out var output);

        Assert.Equal(Redirect, verdict);
        Assert.Equal(Frame(ServerMac, OwnMac, expected), output);
        Assert.True(fastPath.TryRead(ClientKey(), out var entry));
        Assert.Equal(1UL, entry.Packets);
        Assert.Equal((ulong)packet.Length, entry.Bytes);
        Assert.NotEqual(0UL, entry.LastSeenNanoseconds);
    }

    [SkippableFact]
    public void Syn_fin_rst_unknown_flows_ip_options_and_other_protocols_go_on_untouched()
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        using var fastPath = FastPath.Create(16);
        using var program = BpfProgram.LoadTcxIngress(FastPathProgram.Build(fastPath.MapFd), FastPathProgram.Name);
        InstallClientToServer(fastPath);
        byte[][] untouched =
        [
            .. new[] { TcpFlags.Syn, TcpFlags.Fin | TcpFlags.Ack, TcpFlags.Rst, TcpFlags.Syn | TcpFlags.Ack }
                .Select(flags => TestFrames.Ethernet(TestFrames.Ipv4, TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080, flags))),
            TestFrames.Ethernet(TestFrames.Ipv4, TestPackets.Tcp(TestPackets.Client, 40002, TestPackets.Vip, 8080)),
            TestFrames.Ethernet(TestFrames.Ipv4, TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080, ipOptionsLength: 4)),
            TestFrames.Ethernet(TestFrames.Ipv4, TestPackets.Tcp(TestPackets.Client, 40000, TestPackets.Vip, 8080), vlan: 7),
            TestFrames.Tcp6("2001:2::2", 8080),
            TestFrames.Ethernet(TestFrames.Arp, new byte[46]),
        ];

        foreach (var frame in untouched)
        {
            var verdict = Run(program.Fd, frame, out var output);

            Assert.Equal(FastPathProgram.Next, verdict);
            Assert.Equal(frame, output);
        }

        Assert.True(fastPath.TryRead(ClientKey(), out var entry));
        Assert.Equal(0UL, entry.Packets);
    }

    [SkippableFact]
    public void The_steering_program_leaves_an_established_flow_of_the_fast_path_to_the_kernel_but_hands_its_syn_fin_and_rst_to_the_engine()
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        using var pair = VethNamespaces.Create();
        VethNamespaces.In(pair.Local, () =>
        {
            var index = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().Single(n => n.Name == "eth0").GetIPProperties().GetIPv4Properties().Index;
            var fastPath = FastPath.Create(16);
            using var steering = XdpSteering.Attach(index, queues: 1, fastPath: fastPath);
            using var socket = XskSocket.Open(index, 0, copyOnly: steering.Mode == XdpAttachMode.Generic);
            steering.SetSocket(0, socket.Fd);
            var local = VethNamespaces.LocalAddress;
            steering.Serve([SteeringKey.Frontend(PacketAddress.From(System.Net.IPAddress.Parse(local)), 8080)]);
            var peer = PacketAddress.From(System.Net.IPAddress.Parse(VethNamespaces.PeerAddress));
            var key = FastPathKey.Of(peer, 40000, PacketAddress.From(System.Net.IPAddress.Parse(local)), 8080);
            Assert.True(fastPath.TryInstall(key, FastPathEntry.Rewrite(key, key, ServerMac, OwnMac, index)));
            var fd = steering.ProgramFd;

            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp4(local, 8080, flags: TcpFlags.Ack)));
            Assert.Equal(XdpPass, Run(fd, TestFrames.Tcp4(local, 8080, flags: TcpFlags.Ack | TcpFlags.Psh)));
            Assert.Equal(XdpRedirect, Run(fd, TestFrames.Tcp4(local, 8080, flags: TcpFlags.Syn)));
            Assert.Equal(XdpRedirect, Run(fd, TestFrames.Tcp4(local, 8080, flags: TcpFlags.Fin | TcpFlags.Ack)));
            Assert.Equal(XdpRedirect, Run(fd, TestFrames.Tcp4(local, 8080, flags: TcpFlags.Rst)));
            Assert.Equal(XdpRedirect, Run(fd, TestFrames.Tcp4(local, 8080, vlan: 7, flags: TcpFlags.Ack)));

            fastPath.Remove(key);

            Assert.Equal(XdpRedirect, Run(fd, TestFrames.Tcp4(local, 8080, flags: TcpFlags.Ack)));
            return 0;
        });
    }

    private static FastPathKey ClientKey() =>
        FastPathKey.Of(PacketAddress.FromIPv4(TestPackets.Client), 40000, PacketAddress.FromIPv4(TestPackets.Vip), 8080);

    private static void InstallClientToServer(FastPath fastPath)
    {
        var to = FastPathKey.Of(PacketAddress.FromIPv4(TestPackets.Vip), 40001, PacketAddress.FromIPv4(TestPackets.Server1), 9090);
        Assert.True(fastPath.TryInstall(ClientKey(), FastPathEntry.Rewrite(ClientKey(), to, ServerMac, OwnMac, ServerInterface)));
    }

    private static byte[] Frame(ulong destination, ulong source, byte[] packet)
    {
        var frame = new byte[14 + packet.Length];
        TestFrames.WriteMac(frame, destination);
        TestFrames.WriteMac(frame.AsSpan(6), source);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), TestFrames.Ipv4);
        packet.CopyTo(frame.AsSpan(14));
        return frame;
    }
}
