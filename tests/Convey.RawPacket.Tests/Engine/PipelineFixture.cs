using System.Buffers.Binary;
using Convey.Forwarding;
using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tracking;
using Convey.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace Convey.RawPacket.Tests.Engine;

/// <summary>A pipeline over one frontend (198.18.0.2:8080 unless told) built through the real runtime.</summary>
internal sealed class PipelineFixture : IDisposable
{
    public const int Mtu = 1500;

    public PipelineFixture(
        string mode, string method = "l3", int capacity = 1000, NeighbourTable? neighbours = null,
        int maxConnections = 0, string balance = "round_robin", string listen = "198.18.0.2:8080", params (string Name, string Address, int Weight)[] servers)
    {
        Snapshot = TestRuntime.Build(mode, method, capacity, maxConnections, balance, listen, servers);
        Frontend = Snapshot.Frontends["web"];
        Tracker = new ConnectionTracker(capacity, Time, PacketPipeline.OnFlowEnded);
        Pipeline = new PacketPipeline(Tracker, neighbours ?? new NeighbourTable("/nonexistent"), new PacketCounters(), Time)
        {
            Routes = RouteTable.Build(Snapshot),
        };
    }

    public FakeTimeProvider Time { get; } = new();

    public RuntimeSnapshot Snapshot { get; }

    public FrontendState Frontend { get; }

    public ConnectionTracker Tracker { get; }

    public PacketPipeline Pipeline { get; }

    public PacketCounters Counters => Pipeline.Counters;

    /// <summary>The bytes this test's packets forwarded, as one receive thread holds them until it publishes.</summary>
    public ByteTally Tally { get; } = new();

    public PacketAction Process(byte[] packet, bool checksumNotReady = false) => Pipeline.Process(packet, checksumNotReady, Mtu, Tally);

    public static (uint Source, ushort SourcePort, uint Destination, ushort DestinationPort) Addresses(byte[] packet)
    {
        var ihl = (packet[0] & 0xF) * 4;
        return (BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(12)), BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(ihl)),
                BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(16)), BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(ihl + 2)));
    }

    public static bool ChecksumsValid(byte[] packet)
    {
        if (!IPv4Header.TryRead(packet, out var ip, out _) || !TcpHeader.TryRead(ip.Payload, out var tcp, out _))
        {
            return false;
        }

        return tcp.HasValidChecksum(ip.Source, ip.Destination);
    }

    public void Dispose() => Tracker.Dispose();
}
