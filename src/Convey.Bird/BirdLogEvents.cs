namespace Convey.Bird;

/// <summary>
/// The event ids of Convey.Bird's log, 5000-5999: one constant per [LoggerMessage], whose name is the event's name.
/// An id never changes once released (operators filter and alert on it); a new event takes the next free id of its
/// group. Every id is documented in docs/operations.md ("Log events"); a test holds the table, the attributes and
/// that document together.
/// </summary>
internal static class BirdLogEvents
{
    // The announcement (5000-5099)
    public const int Announced = 5001;
    public const int Withdrawn = 5002;
    public const int WithdrawnForStop = 5003;
    public const int BirdUnreachable = 5004;
    public const int BirdRefused = 5005;
    public const int BirdReachable = 5006;
    public const int StopWithdrawFailed = 5007;

    // The crash guard (5100-5199)
    public const int CrashGuardArmed = 5101;
    public const int CrashGuardUnavailable = 5102;
    public const int CrashGuardEnded = 5103;
}
