namespace Convey.Balancing;

/// <summary>What a <see cref="MaglevSelector"/> hashes to place a flow.</summary>
internal enum MaglevKey
{
    /// <summary>Both addresses and both ports: each connection is placed on its own.</summary>
    Flow,

    /// <summary>The client address only: every connection from one client goes to the same server (client affinity).</summary>
    SourceAddress,
}
