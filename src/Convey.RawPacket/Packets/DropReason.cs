namespace Convey.RawPacket.Packets;

/// <summary>Why the packet engine dropped a packet; every drop is counted under one of these.</summary>
public enum DropReason
{
    /// <summary>Shorter than its IP header and upper-layer header, or than its IP length field says.</summary>
    Truncated,

    /// <summary>Neither IPv4 nor IPv6, or an IPv4 header with a bad length field.</summary>
    MalformedIPv4,

    /// <summary>The IPv4 header checksum is wrong.</summary>
    BadIPv4Checksum,

    /// <summary>An IPv4 fragment or an IPv6 packet with a fragment header (the packet engine forwards whole TCP segments only).</summary>
    Fragment,

    /// <summary>Neither TCP nor an ICMP error the engine relays.</summary>
    NotTcp,

    /// <summary>A TCP header with a bad data offset.</summary>
    MalformedTcp,

    /// <summary>
    /// Larger than the receive buffer, a super-packet (GSO/GRO) whose headers leave no room for data within the MTU, or an
    /// IPv6 jumbogram (payload length 0).
    /// </summary>
    Oversized,

    /// <summary>Addressed to no frontend of this engine.</summary>
    NoFrontend,

    /// <summary>A new flow for a frontend that is being removed or stopped (its established flows still pass).</summary>
    Draining,

    /// <summary>A new flow while the frontend holds <c>max_connections</c> flows.</summary>
    ConnectionLimit,

    /// <summary>No server of the frontend's pool is available.</summary>
    NoServer,

    /// <summary>A segment to a NAT port that no tracked flow holds and that is not answered (a RST, or not from a server of a passthrough pool).</summary>
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

    /// <summary>An IPv6 header with another version, or with an IPv4-mapped source or destination (never valid on the wire).</summary>
    MalformedIPv6,

    /// <summary>An IPv6 extension header that does not fit in the packet, hop-by-hop options not first, or more than 8 extension headers.</summary>
    MalformedExtensionHeader,

    /// <summary>An IPv6 routing header with segments left: the packet is only passing through its destination address.</summary>
    RoutingHeader,

    /// <summary>An ICMP or ICMPv6 error with a bad checksum, or too short to hold the packet it is about.</summary>
    MalformedIcmp,

    /// <summary>An ICMP message that is not an error about a tracked flow (echo, neighbour discovery, an error about no flow); the kernel has its own copy.</summary>
    IcmpNotRelayed,

    /// <summary>
    /// Passthrough: a client segment other than a SYN of a flow the balancer does not track (its NAT state is gone: a
    /// restart, an idle timeout, an eviction from a full tracker, or its server went down). Not forwarded: the client was
    /// answered with a RST, so its connection ends at once.
    /// </summary>
    UntrackedSegment,

    /// <summary>As <see cref="UntrackedSegment"/> or <see cref="UntrackedServerSegment"/>, but over <c>[passthrough] reset_rate</c> (or with it 0): dropped without an answer.</summary>
    ResetRateLimited,

    /// <summary>
    /// Passthrough: a segment other than a RST from a server of a passthrough pool to a NAT port that no tracked flow holds
    /// (the flow ended and was forgotten, timed out, or the balancer restarted). Not forwarded: the server was answered
    /// with a RST, so its side of the lost connection ends at once.
    /// </summary>
    UntrackedServerSegment,
}
