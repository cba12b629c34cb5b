namespace Convey.Forwarding;

/// <summary>
/// The datagram counters of a UDP frontend. Its engine counts a batch at a time on its own thread and adds the batch's
/// totals here, so a datagram costs no atomic operation of its own.
/// </summary>
internal sealed class DatagramCounters
{
    /// <summary>Names of the drop reasons as operators read them, by <see cref="DatagramDropReason"/>.</summary>
    public static readonly string[] ReasonNames = ["session_limit", "no_server", "server_unreachable", "send_failed"];

    private readonly long[] _dropped = new long[ReasonNames.Length];
    private long _toServer;
    private long _toClient;

    /// <summary>Datagrams from clients forwarded to servers.</summary>
    public long ToServer => Volatile.Read(ref _toServer);

    /// <summary>Datagrams from servers forwarded to clients.</summary>
    public long ToClient => Volatile.Read(ref _toClient);

    /// <summary>Datagrams dropped for <paramref name="reason"/>.</summary>
    public long Dropped(DatagramDropReason reason) => Volatile.Read(ref _dropped[(int)reason]);

    public void AddToServer(long count) => Interlocked.Add(ref _toServer, count);

    public void AddToClient(long count) => Interlocked.Add(ref _toClient, count);

    public void AddDropped(DatagramDropReason reason, long count) => Interlocked.Add(ref _dropped[(int)reason], count);
}
