namespace Convey.Forwarding;

/// <summary>Why a UDP frontend dropped a datagram (the <c>reason</c> in <c>/stats</c> and <c>/metrics</c>).</summary>
internal enum DatagramDropReason
{
    /// <summary>A new client's datagram while the frontend (<c>max_connections</c>) or the engine holds its most sessions.</summary>
    SessionLimit,

    /// <summary>A new client's datagram while no server of the pool is available.</summary>
    NoServer,

    /// <summary>The server's host or port is unreachable (an ICMP error came back for the session).</summary>
    ServerUnreachable,

    /// <summary>Sending failed otherwise: the socket's send buffer was full, or the datagram too big for the path.</summary>
    SendFailed,
}
