using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Convey.RawPacket.Packets;

namespace Convey.Benchmarks.RawPacket;

/// <summary>
/// Cost of the per-packet passthrough rewrite (source and destination address and port) with the TCP checksum
/// updated incrementally (RFC 1624) versus recomputed over the whole segment (what a CHECKSUM_PARTIAL packet needs).
/// </summary>
[MemoryDiagnoser]
public class PacketRewriteBenchmarks
{
    private const uint Client = 0xC612000A;
    private const uint Vip = 0xC6120002;
    private const uint Server = 0xC612010B;
    private byte[] _packet = [];

    /// <summary>IPv4 total length of the packet rewritten.</summary>
    [Params(60, 1500)]
    public int PacketLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _packet = new byte[PacketLength];
        new Random(1).NextBytes(_packet);
        _packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(_packet.AsSpan(2), (ushort)PacketLength);
        _packet[6] = _packet[7] = 0;
        _packet[9] = 6;
        _packet[32] = 0x50;
        BinaryPrimitives.WriteUInt32BigEndian(_packet.AsSpan(12), Client);
        BinaryPrimitives.WriteUInt32BigEndian(_packet.AsSpan(16), Vip);
        _packet[10] = _packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(_packet.AsSpan(10), InternetChecksum.Compute(_packet.AsSpan(0, 20)));
        IPv4Header.TryRead(_packet, out var ip, out _);
        TcpHeader.TryRead(ip.Payload, out var tcp, out _);
        tcp.RecomputeChecksum(ip.Source, ip.Destination);
    }

    [Benchmark(Baseline = true)]
    public ushort RewriteIncremental()
    {
        IPv4Header.TryRead(_packet, out var ip, out _);
        TcpHeader.TryRead(ip.Payload, out var tcp, out _);
        var (source, destination) = (ip.Source, ip.Destination);
        ip.Source = destination;
        ip.Destination = source;
        tcp.OnPseudoHeaderAddressChanged(source, destination);
        tcp.OnPseudoHeaderAddressChanged(destination, source);
        tcp.SetSourcePort(tcp.DestinationPort);
        tcp.SetDestinationPort(tcp.SourcePort);
        return tcp.Checksum;
    }

    [Benchmark]
    public ushort RewriteFullChecksum()
    {
        IPv4Header.TryRead(_packet, out var ip, out _);
        TcpHeader.TryRead(ip.Payload, out var tcp, out _);
        var (source, destination) = (ip.Source, ip.Destination);
        ip.Source = destination;
        ip.Destination = source;
        tcp.SetSourcePort(tcp.DestinationPort);
        tcp.SetDestinationPort(tcp.SourcePort);
        tcp.RecomputeChecksum(ip.Source, ip.Destination);
        return tcp.Checksum;
    }
}
