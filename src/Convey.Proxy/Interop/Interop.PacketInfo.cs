namespace Convey.Proxy.Interop;

internal static partial class Interop
{
    /// <summary><c>IPPROTO_IP</c>.</summary>
    public const int IpProtoIp = 0;

    /// <summary><c>IPPROTO_IPV6</c>.</summary>
    public const int IpProtoIpv6 = 41;

    /// <summary><c>IP_PKTINFO</c>: an IPv4 datagram's local address as ancillary data, and the source of a sent one.</summary>
    public const int IpPacketInfo = 8;

    /// <summary><c>IPV6_RECVPKTINFO</c>: ask for <see cref="Ipv6PacketInfo"/> on received datagrams.</summary>
    public const int Ipv6ReceivePacketInfo = 49;

    /// <summary><c>IPV6_PKTINFO</c>: an IPv6 datagram's local address as ancillary data, and the source of a sent one.</summary>
    public const int Ipv6PacketInfo = 50;
}
