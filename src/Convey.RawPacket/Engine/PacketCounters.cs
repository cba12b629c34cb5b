using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Engine;

/// <summary>Totals of the packet engine since start: packets and bytes in and out, and drops by reason. Thread-safe.</summary>
public sealed class PacketCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];
    private long _packetsIn;
    private long _bytesIn;
    private long _packetsOut;
    private long _bytesOut;
    private long _flowsCreated;
    private long _forwardedInKernel;

    /// <summary>Packets received for the engine's frontends (before any check).</summary>
    public long PacketsIn => Volatile.Read(ref _packetsIn);

    /// <summary>Bytes of the packets received (IP header included).</summary>
    public long BytesReceived => Volatile.Read(ref _bytesIn);

    /// <summary>Packets sent on after rewriting.</summary>
    public long PacketsOut => Volatile.Read(ref _packetsOut);

    /// <summary>Bytes of the packets sent on.</summary>
    public long BytesSent => Volatile.Read(ref _bytesOut);

    /// <summary>Flows the engine started tracking.</summary>
    public long FlowsCreated => Volatile.Read(ref _flowsCreated);

    /// <summary>Packets the in-kernel fast path forwarded (counted in <see cref="PacketsIn"/> and <see cref="PacketsOut"/> too), as last read.</summary>
    internal long ForwardedInKernel => Volatile.Read(ref _forwardedInKernel);

    /// <summary>Packets dropped, all reasons together.</summary>
    public long Dropped
    {
        get
        {
            long total = 0;
            foreach (var reason in Enum.GetValues<DropReason>())
            {
                total += DroppedFor(reason);
            }

            return total;
        }
    }

    /// <summary>Packets dropped for <paramref name="reason"/>.</summary>
    public long DroppedFor(DropReason reason) => Volatile.Read(ref _drops[(int)reason]);

    internal void OnReceived(int length)
    {
        Interlocked.Increment(ref _packetsIn);
        Interlocked.Add(ref _bytesIn, length);
    }

    internal void OnSent(int length)
    {
        Interlocked.Increment(ref _packetsOut);
        Interlocked.Add(ref _bytesOut, length);
    }

    /// <summary>What the fast path forwarded since it was last read: received and sent, without passing through user space.</summary>
    internal void OnForwardedInKernel(long packets, long bytes)
    {
        Interlocked.Add(ref _forwardedInKernel, packets);
        Interlocked.Add(ref _packetsIn, packets);
        Interlocked.Add(ref _bytesIn, bytes);
        Interlocked.Add(ref _packetsOut, packets);
        Interlocked.Add(ref _bytesOut, bytes);
    }

    internal void OnDropped(DropReason reason) => Interlocked.Increment(ref _drops[(int)reason]);

    internal void OnFlowCreated() => Interlocked.Increment(ref _flowsCreated);
}
