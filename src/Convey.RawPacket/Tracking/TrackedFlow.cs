using Convey.Forwarding;
using Convey.RawPacket.Packets;
using Convey.Runtime;

namespace Convey.RawPacket.Tracking;

/// <summary>What the tracker knows of one flow: where its packets go and whose counters they feed.</summary>
/// <param name="Client">The flow as the client sends it.</param>
/// <param name="ServerAddress">The chosen server's address.</param>
/// <param name="ServerPort">The chosen server's port.</param>
/// <param name="NatPort">The balancer's source port towards the server (passthrough); 0 when not translated (DSR).</param>
/// <param name="Frontend">The frontend the flow arrived on.</param>
/// <param name="Server">The chosen server.</param>
/// <param name="Started">When the flow was first seen (<see cref="TimeProvider.GetTimestamp"/>).</param>
internal readonly record struct TrackedFlow(
    ClientFlowKey Client,
    PacketAddress ServerAddress,
    ushort ServerPort,
    ushort NatPort,
    FrontendState Frontend,
    ServerState Server,
    long Started)
{
    /// <summary>The key the server's replies carry (passthrough only).</summary>
    public ReplyFlowKey Reply => new(ServerAddress, ServerPort, Client.FrontendAddress, NatPort);
}
