namespace Convey.RawPacket.Tracking;

/// <summary>A flow as the client sends it: client address and port to frontend address and port (IPv4, big-endian numbers).</summary>
internal readonly record struct ClientFlowKey(uint ClientAddress, ushort ClientPort, uint FrontendAddress, ushort FrontendPort);
