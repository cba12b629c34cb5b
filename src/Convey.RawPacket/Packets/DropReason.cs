namespace Convey.RawPacket.Packets;

/// <summary>Why the packet engine dropped a packet; every drop is counted under one of these.</summary>
public enum DropReason
{
    /// <summary>Shorter than an IPv4 header plus a TCP header.</summary>
    Truncated,

    /// <summary>Not IPv4, or an IPv4 header with a bad length field.</summary>
    MalformedIPv4,

    /// <summary>The IPv4 header checksum is wrong.</summary>
    BadIPv4Checksum,

    /// <summary>An IPv4 fragment (the packet engine forwards whole TCP segments only).</summary>
    Fragment,

    /// <summary>Not TCP.</summary>
    NotTcp,

    /// <summary>A TCP header with a bad data offset.</summary>
    MalformedTcp,

    /// <summary>Larger than the receive buffer, or a super-packet (GSO/GRO) whose headers leave no room for data within the MTU.</summary>
    Oversized,

    /// <summary>Addressed to no frontend of this engine.</summary>
    NoFrontend,

    /// <summary>A new flow for a frontend that is being removed or stopped (its established flows still pass).</summary>
    Draining,

    /// <summary>A new flow while the frontend holds <c>max_connections</c> flows.</summary>
    ConnectionLimit,

    /// <summary>No server of the frontend's pool is available.</summary>
    NoServer,

    /// <summary>A reply to a NAT port that no tracked flow holds.</summary>
    UnknownFlow,

    /// <summary>Every NAT port towards the chosen server is held by a live flow.</summary>
    NatPortsExhausted,

    /// <summary>A reset for a flow the balancer does not track (nothing to forward it to).</summary>
    UntrackedReset,

    /// <summary>L2 DSR: the server's MAC address is not known yet.</summary>
    NeighbourUnresolved,

    /// <summary>The kernel refused to send the rewritten packet.</summary>
    SendFailed,

    /// <summary>An unexpected error while handling the packet (logged).</summary>
    Faulted,
}
