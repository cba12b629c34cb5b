namespace Convey.RawPacket.Tracking;

/// <summary>Why a tracked flow was forgotten.</summary>
internal enum FlowEndReason
{
    /// <summary>Both sides sent FIN and the closing linger passed, or a side sent RST.</summary>
    Closed,

    /// <summary>No packet for longer than the frontend's idle timeout.</summary>
    Expired,

    /// <summary>The table was full and this was the least recently used flow.</summary>
    Evicted,

    /// <summary>The flow was moved to another server (its server became unavailable).</summary>
    Moved,

    /// <summary>The tracker was cleared (engine stop).</summary>
    Cleared,
}
