namespace Convey.Forwarding;

/// <summary>What health checks know of a server.</summary>
internal enum ServerHealth
{
    /// <summary>
    /// New to its pool (at start or added by a reload) and not probed yet. A pending server takes no new flows,
    /// except while its pool is at its cold start: no server of the pool has passed a probe yet.
    /// </summary>
    Pending,

    /// <summary>Passed its first probe, or came back after <c>rise</c> consecutive successes.</summary>
    Up,

    /// <summary>Failed its first probe, or reached <c>fall</c> consecutive failures.</summary>
    Down,
}
