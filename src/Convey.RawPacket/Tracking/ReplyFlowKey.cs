namespace Convey.RawPacket.Tracking;

/// <summary>A passthrough flow as the server answers it: server address and port to frontend address and NAT port.</summary>
internal readonly record struct ReplyFlowKey(uint ServerAddress, ushort ServerPort, uint FrontendAddress, ushort NatPort);
