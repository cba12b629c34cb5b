namespace Convey.Forwarding;

/// <summary>How a frontend moves a flow from the client to the chosen server.</summary>
public enum ForwardingMode
{
    /// <summary>Terminate TCP and relay bytes between two sockets (the default).</summary>
    Proxy,

    /// <summary>Forward raw packets with source and destination NAT; replies come back through the balancer.</summary>
    Passthrough,

    /// <summary>Direct server return: rewrite only the way in; servers answer clients directly.</summary>
    Dsr,
}
