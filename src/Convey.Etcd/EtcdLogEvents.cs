namespace Convey.Etcd;

/// <summary>
/// The event ids of Convey.Etcd's log, 6000-6999: one constant per [LoggerMessage], whose name is the event's name.
/// An id never changes once released; every id is documented in docs/operations.md ("Log events").
/// </summary>
internal static class EtcdLogEvents
{
    public const int RevisionRead = 6001;
    public const int KeyFollowed = 6002;
    public const int Unreachable = 6003;
    public const int Reachable = 6004;
    public const int WatchRestarted = 6005;
    public const int ListenerFailed = 6006;
}
