using Convey.Forwarding;
using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;
using static Convey.RawPacket.Tests.Packets.TestPackets;

namespace Convey.RawPacket.Tests.Engine;

public class PacketFuzzTests
{
    [Theory]
    [InlineData("passthrough", "l3")]
    [InlineData("dsr", "l3")]
    public void A_million_random_and_mutated_frames_are_all_counted_and_none_throws(string mode, string method)
    {
        const int Frames = 1_000_000;
        const int Capacity = 2_000;
        using var lab = new PipelineFixture(mode, method, Capacity);
        var random = new Random(1234);
        var buffer = new byte[1600];
        var templates = new List<byte[]>
        {
            Tcp(Client, 40000, Vip, 8080, TcpFlags.Syn, 0, 0, 20),
            Tcp(Client, 40001, Vip, 8080, TcpFlags.Ack, 700, 8, 12),
            Tcp(Client, 40002, Vip, 8080, TcpFlags.Fin | TcpFlags.Ack, 1),
            Tcp(Server1, 8080, Vip, 45000, TcpFlags.Ack, 1400),
        };
        long forwarded = 0;
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        for (var i = 0; i < Frames; i++)
        {
            var length = Mutate(random, templates, buffer, lab);
            if (lab.Pipeline.Process(buffer.AsSpan(0, length), random.Next(8) == 0, PipelineFixture.Mtu, lab.Tally).Kind != PacketActionKind.Drop)
            {
                forwarded++;
            }

            if (i % 100_000 == 0)
            {
                lab.Time.Advance(TimeSpan.FromSeconds(30));
            }
        }

        Assert.Equal(Frames, lab.Counters.PacketsIn);
        Assert.Equal(Frames, forwarded + lab.Counters.Dropped);
        Assert.True(forwarded > 10_000, $"only {forwarded} frames made it through: the mutations are too destructive to test the rewrite path");
        Assert.True(lab.Counters.DroppedFor(DropReason.MalformedIPv4) + lab.Counters.DroppedFor(DropReason.BadIPv4Checksum) > 100_000);
        Assert.InRange(lab.Tracker.Count, 0, Capacity);
        Assert.Equal(lab.Tracker.ConnectionCount, (int)lab.Frontend.ActiveConnections);
        var growth = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        Assert.True(growth < 32 << 20, $"memory grew by {growth} bytes");
    }

    private static int Mutate(Random random, List<byte[]> templates, byte[] buffer, PipelineFixture lab)
    {
        switch (random.Next(6))
        {
            case 0: // pure noise of any length
            {
                var length = random.Next(buffer.Length + 1);
                random.NextBytes(buffer.AsSpan(0, length));
                return length;
            }

            case 1: // a valid packet from a random client: new flows, evictions
            {
                var packet = Tcp(Client + (uint)random.Next(1 << 16), (ushort)random.Next(1, 65536), Vip, 8080,
                    (TcpFlags)random.Next(64), random.Next(64), 4 * random.Next(3), 4 * random.Next(4), random.Next());
                packet.CopyTo(buffer, 0);
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
                    buffer[random.Next(Math.Min(length, 60))] ^= (byte)(1 << random.Next(8));
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
