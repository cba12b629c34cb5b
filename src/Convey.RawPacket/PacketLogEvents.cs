namespace Convey.RawPacket;

/// <summary>
/// The event ids of Convey.RawPacket's log, 3000-3999: one constant per [LoggerMessage], whose name is the event's name.
/// An id never changes once released (operators filter and alert on it); a new event takes the next free id of its
/// group. Every id is documented in docs/operations.md ("Log events"); a test holds the table, the attributes and
/// that document together.
/// </summary>
internal static class PacketLogEvents
{
    // The engine and its frontends (3000-3099)
    public const int EngineListening = 3001;
    public const int FirewallApplied = 3002;
    public const int FirewallRemovalFailed = 3003;
    public const int TrackerResized = 3004;
    public const int FrontendReleaseFailed = 3005;
    public const int NeighbourTableUnreadable = 3006;
    public const int InterfacesChanged = 3007;
    public const int InterfacesUnreadable = 3008;

    // Packet workers (3100-3199)
    public const int PacketFailed = 3101;

    // Frame I/O paths and next hops (3200-3299)
    public const int NextHopTableUnreadable = 3201;
    public const int XdpAttached = 3202;
    public const int XdpUnavailable = 3203;
    public const int FastPathSyncFailed = 3204;
}
