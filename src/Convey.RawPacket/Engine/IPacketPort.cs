namespace Convey.RawPacket.Engine;

/// <summary>
/// One worker's frame I/O on one interface: receives packets in batches and hands them over in place (the memory
/// they arrived in, when the path has such memory), queues the packets to send, and sends the queue in one go.
/// A port belongs to one worker thread and is not thread-safe. Implementations: <see cref="AfPacketPort"/>
/// (AF_PACKET, the fallback of every interface), and the AF_XDP port where XDP works.
/// </summary>
/// <remarks>
/// A worker's loop is: <see cref="Receive"/>, then <see cref="Packet"/> for each index, <see cref="Send"/> for each
/// packet the pipeline forwards (the received memory itself, rewritten, or a segment cut from it), then
/// <see cref="Flush"/>. The packets of a batch stay valid until <see cref="Flush"/>, which sends the queue and gives
/// the batch's memory back to the kernel. A port that receives link-layer frames strips the link header before
/// handing the packet over and writes one on send (from <see cref="NextHopTable"/>).
/// </remarks>
internal interface IPacketPort : IDisposable
{
    /// <summary>The path this port moves frames on, as <c>packet_path</c> names it: <c>af_packet</c> or <c>af_xdp</c>.</summary>
    string Path { get; }

    /// <summary>Waits until packets are ready or the port's poll interval has passed; returns how many are ready (0 on timeout).</summary>
    int Receive();

    /// <summary>Packet <paramref name="index"/> (0 to what <see cref="Receive"/> returned, exclusive) of the batch, from its IP header on.</summary>
    ReceivedPacket Packet(int index);

    /// <summary>
    /// Queues <paramref name="packet"/> (an IP packet no longer than the MTU) to go where <paramref name="action"/> says;
    /// false when it cannot be sent. The caller may reuse <paramref name="packet"/>'s memory once this returns, unless
    /// it is the batch's own received memory (which a port may send in place).
    /// </summary>
    bool Send(ReadOnlySpan<byte> packet, in PacketAction action);

    /// <summary>Sends what was queued and gives the batch's memory back to the kernel; returns how many queued packets the kernel refused.</summary>
    int Flush();
}
