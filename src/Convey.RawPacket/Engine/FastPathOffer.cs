namespace Convey.RawPacket.Engine;

/// <summary>Which direction of an established flow a forwarded packet may hand to the in-kernel fast path (<see cref="PacketAction.Offer"/>).</summary>
internal enum FastPathOffer : byte
{
    /// <summary>Not this packet: no fast path, or the flow is opening or closing.</summary>
    None,

    /// <summary>The client's packets to the server, keyed by the flow's <see cref="Tracking.ClientFlowKey"/>.</summary>
    ToServer,

    /// <summary>The server's packets to the client (passthrough), keyed by the flow's <see cref="Tracking.ReplyFlowKey"/>.</summary>
    ToClient,
}
