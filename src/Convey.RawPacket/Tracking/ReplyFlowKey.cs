using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Tracking;

/// <summary>A passthrough flow as the server answers it: server address and port to frontend address and NAT port.</summary>
internal readonly record struct ReplyFlowKey(PacketAddress ServerAddress, ushort ServerPort, PacketAddress FrontendAddress, ushort NatPort);
