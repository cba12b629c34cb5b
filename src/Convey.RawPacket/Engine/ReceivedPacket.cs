namespace Convey.RawPacket.Engine;

/// <summary>One packet of a port's receive batch.</summary>
/// <param name="Data">The packet from its IP header on, as much of it as was captured; the pipeline rewrites it in place.</param>
/// <param name="WireLength">The packet's whole length; longer than <paramref name="Data"/> when the capture cut it.</param>
/// <param name="ChecksumNotReady">The kernel reported TP_STATUS_CSUMNOTREADY: the TCP checksum field holds no finished checksum.</param>
internal readonly ref struct ReceivedPacket(Span<byte> Data, int WireLength, bool ChecksumNotReady)
{
    public Span<byte> Data { get; } = Data;

    public int WireLength { get; } = WireLength;

    public bool ChecksumNotReady { get; } = ChecksumNotReady;

    /// <summary>Whether the capture cut the packet short.</summary>
    public bool IsTruncated => WireLength > Data.Length;
}
