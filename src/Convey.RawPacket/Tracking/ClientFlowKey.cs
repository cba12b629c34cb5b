using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Tracking;

/// <summary>A flow as the client sends it: client address and port to frontend address and port (both addresses of one family).</summary>
internal readonly record struct ClientFlowKey(PacketAddress ClientAddress, ushort ClientPort, PacketAddress FrontendAddress, ushort FrontendPort);
