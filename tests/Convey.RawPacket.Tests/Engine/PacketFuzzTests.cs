using System.Globalization;
using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tests.Packets;
using V4 = Convey.RawPacket.Tests.Packets.TestPackets;
using V6 = Convey.RawPacket.Tests.Packets.TestPackets6;

namespace Convey.RawPacket.Tests.Engine;

/// <summary>
/// A million frames per mode, IPv4 and IPv6 mixed, through a pipeline serving an IPv4 and an IPv6 frontend: noise, valid
/// packets of many flows, random IPv6 extension-header chains (malformed ones among them), ICMP errors, and templates with
/// bit flips, cuts and lying lengths. <c>CONVEY_FUZZ_SEED</c> and <c>CONVEY_FUZZ_FRAMES</c> replay or lengthen a run.
/// </summary>
public class PacketFuzzTests
{
    private static readonly byte[] ExtensionTypes =
        [IPv6ExtensionHeaders.HopByHop, IPv6ExtensionHeaders.Routing, IPv6ExtensionHeaders.DestinationOptions, IPv6ExtensionHeaders.Fragment, 59, 6, 58, 17];

    [Theory]
    [InlineData("passthrough", "l3")]
    [InlineData("dsr", "l3")]
    public void A_million_random_and_mutated_frames_of_both_families_are_all_counted_and_none_throws(string mode, string method)
    {
        var seed = Setting("CONVEY_FUZZ_SEED", 1234);
        var frames = Setting("CONVEY_FUZZ_FRAMES", 1_000_000);
        const int Capacity = 2_000;
        using var lab = new PipelineFixture(mode, method, Capacity);
        var ipv6 = TestRuntime.Build(mode, method, Capacity, 0, "round_robin", PacketPipelineIPv6Tests.Listen);
        var frontend6 = ipv6.Frontends["web"];
        lab.Pipeline.Routes = RouteTable.Build([lab.Frontend, frontend6], []);
        var random = new Random(seed);
        var buffer = new byte[1600];
        var templates = Templates();
        long sent = 0;
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        for (var i = 0; i < frames; i++)
        {
            var length = Mutate(random, templates, buffer);
            if (lab.Pipeline.Process(buffer.AsSpan(0, length), random.Next(8) == 0, PipelineFixture.Mtu, lab.Tally).Kind != PacketActionKind.Drop)
            {
                sent++;
            }

            if (i % 100_000 == 0)
            {
                lab.Time.Advance(TimeSpan.FromSeconds(30));
            }
        }

        var counters = lab.Counters;
        var run = $"seed {seed}, {frames} frames";
        Assert.Equal(frames, counters.PacketsIn);
        // A passthrough segment of no tracked flow, from a client or to a NAT port, is dropped and answered with a RST: the
        // drops that send a packet.
        var forwarded = sent - counters.DroppedFor(DropReason.UntrackedSegment) - counters.DroppedFor(DropReason.UntrackedServerSegment);
        Assert.Equal(frames, forwarded + counters.Dropped);
        Assert.True(forwarded > frames / 100, $"only {forwarded} frames made it through ({run}): the mutations are too destructive to test the rewrite path");
        Assert.True(frontend6.TotalConnections > frames / 1000, $"only {frontend6.TotalConnections} IPv6 flows ({run})");
        Assert.True(counters.DroppedFor(DropReason.MalformedIPv4) + counters.DroppedFor(DropReason.BadIPv4Checksum) > frames / 10, run);
        Assert.True(counters.DroppedFor(DropReason.MalformedExtensionHeader) > frames / 1000, run);
        Assert.True(counters.DroppedFor(DropReason.Fragment) > 0 && counters.DroppedFor(DropReason.RoutingHeader) > 0, run);
        Assert.True(counters.DroppedFor(DropReason.MalformedIcmp) + counters.DroppedFor(DropReason.IcmpNotRelayed) > 0, run);
        Assert.InRange(lab.Tracker.Count, 0, Capacity);
        Assert.Equal(lab.Tracker.ConnectionCount, (int)(lab.Frontend.ActiveConnections + frontend6.ActiveConnections));
        var growth = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        Assert.True(growth < 32 << 20, $"memory grew by {growth} bytes ({run})");
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static List<byte[]> Templates()
    {
        ExtensionHeader hopByHop = new(IPv6ExtensionHeaders.HopByHop);
        ExtensionHeader options = new(IPv6ExtensionHeaders.DestinationOptions, 16);
        var reply6 = V6.Tcp(V6.Vip, 8080, V6.Client, 40000, TcpFlags.Ack, 1200);
        var reply4 = V4.Tcp(V4.Vip, 8080, V4.Client, 40000, TcpFlags.Ack, 1200);
        return
        [
            V4.Tcp(V4.Client, 40000, V4.Vip, 8080, TcpFlags.Syn, 0, 0, 20),
            V4.Tcp(V4.Client, 40001, V4.Vip, 8080, TcpFlags.Ack, 700, 8, 12),
            V4.Tcp(V4.Client, 40002, V4.Vip, 8080, TcpFlags.Fin | TcpFlags.Ack, 1),
            V4.Tcp(V4.Server1, 8080, V4.Vip, 45000, TcpFlags.Ack, 1400),
            V4.IcmpError(0xC61200FE, V4.Vip, 4, reply4),
            V6.Tcp(V6.Client, 40000, V6.Vip, 8080, TcpFlags.Syn, 0, extensions: [hopByHop]),
            V6.Tcp(V6.Client, 40001, V6.Vip, 8080, TcpFlags.Ack, 700, extensions: [hopByHop, options, new(IPv6ExtensionHeaders.Routing, 24)]),
            V6.Tcp(V6.Server1, 8080, V6.Vip, 45000, TcpFlags.Ack, 1200),
            V6.IcmpError(V6.Router, V6.Vip, 2, reply6, 1232),
        ];
    }

    private static int Mutate(Random random, List<byte[]> templates, byte[] buffer)
    {
        switch (random.Next(8))
        {
            case 0: // pure noise of any length
            {
                var length = random.Next(buffer.Length + 1);
                random.NextBytes(buffer.AsSpan(0, length));
                return length;
            }

            case 1: // a valid IPv4 packet from a random client: new flows, evictions
            {
                var packet = V4.Tcp(V4.Client + (uint)random.Next(1 << 16), (ushort)random.Next(1, 65536), V4.Vip, 8080,
                    (TcpFlags)random.Next(64), random.Next(64), 4 * random.Next(3), 4 * random.Next(4), random.Next());
                packet.CopyTo(buffer, 0);
                return packet.Length;
            }

            case 2: // a valid IPv6 packet from a random client
            {
                Span<byte> address = stackalloc byte[PacketAddress.Length];
                V6.Client.WriteTo(address);
                random.NextBytes(address[12..]);
                var client = PacketAddress.FromIPv6(address);
                var packet = V6.Tcp(client, (ushort)random.Next(1, 65536), V6.Vip, 8080, (TcpFlags)random.Next(64), random.Next(64), random.Next());
                packet.CopyTo(buffer, 0);
                return packet.Length;
            }

            case 3: // a random chain of extension headers, well-formed or not
            {
                var chain = new ExtensionHeader[random.Next(1, IPv6ExtensionHeaders.MaxHeaders + 3)];
                for (var i = 0; i < chain.Length; i++)
                {
                    chain[i] = new(ExtensionTypes[random.Next(3)], 8 * random.Next(1, 5), (byte)(random.Next(4) == 0 ? 1 : 0));
                }

                var packet = V6.Tcp(V6.Client, (ushort)random.Next(1, 65536), V6.Vip, 8080, TcpFlags.Ack, random.Next(64), extensions: chain);
                packet.CopyTo(buffer, 0);
                if (random.Next(2) == 0)
                {
                    // Lie in a chain link: another next header, or a length past the payload.
                    var at = IPv6Header.Length + (8 * random.Next(chain.Length));
                    buffer[Math.Min(at + random.Next(2), packet.Length - 1)] = random.Next(2) == 0 ? ExtensionTypes[random.Next(ExtensionTypes.Length)] : (byte)random.Next(256);
                }

                return packet.Length;
            }

            default: // a template with bit flips, truncation or a lying length field
            {
                var template = templates[random.Next(templates.Count)];
                template.CopyTo(buffer, 0);
                var length = template.Length;
                var flips = random.Next(4);
                for (var f = 0; f < flips; f++)
                {
                    buffer[random.Next(Math.Min(length, 96))] ^= (byte)(1 << random.Next(8));
                }

                if (random.Next(4) == 0)
                {
                    length = random.Next(length + 1);
                }

                if (random.Next(10) == 0)
                {
                    length = Math.Min(buffer.Length, length + random.Next(100));
                }

                return length;
            }
        }
    }
}
