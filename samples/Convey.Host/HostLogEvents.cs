namespace Convey.Host;

/// <summary>
/// The event ids of Convey.Host's log, 4000-4999: one constant per [LoggerMessage], whose name is the event's name.
/// An id never changes once released (operators filter and alert on it); a new event takes the next free id of its
/// group. Every id is documented in docs/operations.md ("Log events"); a test holds the table, the attributes and
/// that document together.
/// </summary>
internal static class HostLogEvents
{
    // Signals (4000-4099)
    public const int Rereading = 4001;

    // The stats listener (4100-4199)
    public const int StatsListenerMoved = 4101;
    public const int StatsListenerClosed = 4102;
    public const int StatsListenerBindFailed = 4103;
    public const int StatsListenerNotFollowing = 4104;
}
