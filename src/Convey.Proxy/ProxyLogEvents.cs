namespace Convey.Proxy;

/// <summary>
/// The event ids of Convey.Proxy's log, 2000-2999: one constant per [LoggerMessage], whose name is the event's name.
/// An id never changes once released (operators filter and alert on it); a new event takes the next free id of its
/// group. Every id is documented in docs/operations.md ("Log events"); a test holds the table, the attributes and
/// that document together.
/// </summary>
internal static class ProxyLogEvents
{
    // The engine and its frontends (2000-2099)
    public const int ConnectionLimit = 2001;
    public const int ConnectionLimitSmall = 2002;
    public const int FrontendListening = 2003;
    public const int FrontendMoving = 2004;
    public const int FrontendDraining = 2005;
    public const int FrontendStillNotListening = 2006;

    // Listeners (2100-2199)
    public const int AcceptFailed = 2101;
    public const int EngineFull = 2102;
    public const int DrainDeadline = 2103;

    // Connections (2200-2299)
    public const int ConnectFailure = 2201;
    public const int NoServer = 2202;
    public const int ConnectionSocketError = 2203;
    public const int ConnectionFailed = 2204;
    public const int ConnectionRejected = 2205;
    public const int InspectorFailed = 2206;

    // Event loops (2300-2399)
    public const int LoopFailed = 2301;
    public const int LoopHandlerFailed = 2302;

    // Transports (2310-2319)
    public const int TransportChosen = 2310;
    public const int IoUringUnavailable = 2311;

    // UDP frontends (2600-2699)
    public const int UdpReceiveFailed = 2601;
    public const int UdpSessionLimit = 2602;
    public const int UdpNoServer = 2603;
    public const int UdpSessionFailed = 2604;
    public const int UdpServerUnreachable = 2605;
    public const int UdpSendFailed = 2606;
    public const int UdpFrontendClosing = 2607;
}
