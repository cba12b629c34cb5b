namespace Convey.Proxy.Udp;

/// <summary>A UDP client: its address (IPv4 in the IPv4-mapped IPv6 form, as in <see cref="Forwarding.FlowKey"/>) and port.</summary>
internal readonly record struct UdpSessionKey(UInt128 Address, ushort Port);
