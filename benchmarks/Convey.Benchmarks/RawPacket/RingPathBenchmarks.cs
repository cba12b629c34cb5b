using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net;
using BenchmarkDotNet.Attributes;
using Convey.Balancing;
using Convey.Configuration;
using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tracking;
using Convey.Runtime;
using Microsoft.Extensions.Options;

namespace Convey.Benchmarks.RawPacket;

/// <summary>
/// A worker's receive path over a synthetic TPACKET_V2 ring in memory, without the kernel: a batch of 256 ready
/// frames of established passthrough flows is collected from the ring, each packet is run through the pipeline
/// (flow lookup, rewrite, checksum update) where it lies, and the frames are given back. Per packet: the time is
/// what one core spends in user space per forwarded packet (packets per second per core = 1 s / Mean), and nothing
/// may be allocated.
/// </summary>
[MemoryDiagnoser]
public class RingPathBenchmarks
{
    private const int Frames = 256, FrameSize = 2048, NetworkOffset = 80, Flows = 64, HeaderBytes = 40;
    private const uint Client = 0xC612000A, Vip = 0xC6120002;
    private readonly RingPacket[] _batch = new RingPacket[Frames];
    private readonly ByteTally _tally = new();
    private byte[] _ring = [];
    private byte[] _headers = [];
    private PacketPipeline _pipeline = null!;
    private ConnectionTracker _tracker = null!;

    /// <summary>TCP payload bytes of each packet.</summary>
    [Params(0, 1460)]
    public int Payload { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var snapshot = Runtime().Apply(Config());
        _tracker = new ConnectionTracker(4096, TimeProvider.System, PacketPipeline.OnFlowEnded);
        _pipeline = new PacketPipeline(_tracker, new NeighbourTable("/nonexistent"), new PacketCounters(), TimeProvider.System)
        {
            Routes = RouteTable.Build(snapshot),
        };

        // Open the flows with a SYN each, then fill the ring with data segments of them.
        for (var flow = 0; flow < Flows; flow++)
        {
            _pipeline.Process(Packet(flow, syn: true), false, 1500, _tally);
        }

        _ring = GC.AllocateArray<byte>(Frames * FrameSize, pinned: true);
        _headers = new byte[Frames * HeaderBytes];
        for (var frame = 0; frame < Frames; frame++)
        {
            var packet = Packet(frame % Flows, syn: false);
            var slot = _ring.AsSpan(frame * FrameSize, FrameSize);
            BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], (uint)packet.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(slot[8..], (uint)packet.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(slot[12..], NetworkOffset);
            BinaryPrimitives.WriteUInt16LittleEndian(slot[14..], NetworkOffset);
            packet.CopyTo(slot[NetworkOffset..]);
            packet.AsSpan(0, HeaderBytes).CopyTo(_headers.AsSpan(frame * HeaderBytes));
        }

        // A benchmark of drops would measure the wrong path.
        if (ReceiveRewriteRelease() is var forwarded && forwarded != Frames)
        {
            throw new InvalidOperationException($"{forwarded} of {Frames} packets were forwarded; the flows are not established");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _tracker.Dispose();

    [Benchmark(OperationsPerInvoke = Frames)]
    public int ReceiveRewriteRelease()
    {
        // What the kernel does for each frame: write the packet's headers (the payload stays) and mark it ready.
        for (var frame = 0; frame < Frames; frame++)
        {
            _headers.AsSpan(frame * HeaderBytes, HeaderBytes).CopyTo(_ring.AsSpan((frame * FrameSize) + NetworkOffset));
            _ring[frame * FrameSize] = 1;
        }

        var taken = RingFrames.Collect(_ring, FrameSize, 0, _batch, out var packets);
        var forwarded = 0;
        for (var i = 0; i < packets; i++)
        {
            var packet = _batch[i];
            var action = _pipeline.Process(_ring.AsSpan(packet.Offset, packet.Captured), false, 1500, _tally);
            forwarded += action.Kind == PacketActionKind.Drop ? 0 : 1;
        }

        RingFrames.Release(_ring, FrameSize, 0, taken);
        return forwarded;
    }

    private byte[] Packet(int flow, bool syn)
    {
        var packet = new byte[40 + (syn ? 0 : Payload)];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), Client);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), Vip);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), (ushort)(40000 + flow));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 8080);
        packet[32] = 0x50;
        packet[33] = (byte)(syn ? TcpFlags.Syn : TcpFlags.Ack);
        new Random(flow).NextBytes(packet.AsSpan(40));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), InternetChecksum.Compute(packet.AsSpan(0, 20)));
        IPv4Header.TryRead(packet, out var ip, out _);
        TcpHeader.TryRead(ip.Payload, out var tcp, out _);
        tcp.RecomputeChecksum(ip.Source, ip.Destination);
        return packet;
    }

    private static ConveyRuntime Runtime()
    {
        var registry = new BackendSelectorRegistry(
            [new BackendSelectorRegistration(BalancingPolicyNames.Maglev, _ => new MaglevSelector())], new NoServices());
        return new ConveyRuntime(registry, Options.Create(new ConveyOptions()));
    }

    private static ConveyConfig Config() => new()
    {
        Frontends = [new FrontendConfig { Name = "web", ListenEndPoint = IPEndPoint.Parse("198.18.0.2:8080"), Pool = "pool", Mode = "passthrough" }],
        Pools =
        [
            new BackendPoolConfig
            {
                Name = "pool",
                Balance = BalancingPolicyNames.Maglev,
                Servers = [new ServerConfig { Name = "b1", Address = IPEndPoint.Parse("198.18.1.11:8080") }, new ServerConfig { Name = "b2", Address = IPEndPoint.Parse("198.18.1.12:8080") }],
            },
        ],
        Sections = ImmutableDictionary<string, ConfigSettings>.Empty,
    };

    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
