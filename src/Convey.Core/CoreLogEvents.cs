namespace Convey;

/// <summary>
/// The event ids of Convey.Core's log, 1000-1999: one constant per [LoggerMessage], whose name is the event's name.
/// An id never changes once released (operators filter and alert on it); a new event takes the next free id of its
/// group. Every id is documented in docs/operations.md ("Log events"); a test holds the table, the attributes and
/// that document together.
/// </summary>
internal static class CoreLogEvents
{
    // Start and reload (1000-1099)
    public const int Started = 1001;
    public const int StartRefused = 1002;
    public const int ReloadApplied = 1003;
    public const int ReloadRefused = 1004;
    public const int ReloadFailed = 1005;
    public const int EngineApplyFailed = 1006;
    public const int EngineCannotForward = 1007;
    public const int FrontendNotListening = 1008;
    public const int HostNameChangeFailed = 1009;

    // Configuration sources: the TOML file, an IConfiguration section (1100-1199)
    public const int ConfigFileChanged = 1101;
    public const int ConfigFileNotWatched = 1102;
    public const int ConfigFileWatcherError = 1103;
    public const int ConfigFileListenerFailed = 1104;
    public const int ConfigSectionChanged = 1105;
    public const int ConfigSectionListenerFailed = 1106;

    // Health (1200-1299)
    public const int ServerDown = 1201;
    public const int ServerUp = 1202;
    public const int ConnectFailureNotApplied = 1203;
    public const int HealthRoundFailed = 1204;
    public const int ProbeOutcomeNotApplied = 1205;
    public const int SelectorRebuildFailed = 1206;

    // Host names (1300-1399)
    public const int HostNameResolved = 1301;
    public const int HostNameAddressesChanged = 1302;
    public const int HostNameResolvesAgain = 1303;
    public const int HostNameUnresolved = 1304;
    public const int HostNameLookupFailed = 1305;
}
