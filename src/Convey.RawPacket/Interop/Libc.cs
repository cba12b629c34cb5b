namespace Convey.RawPacket.Interop;

/// <summary>Names and constants of the Linux C library and kernel ABI used by the packet engine.</summary>
internal static partial class Libc
{
    public const string Name = "libc";

    public const int AF_INET6 = 10;
    public const int AF_NETLINK = 16;
    public const int AF_PACKET = 17;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int NETLINK_ROUTE = 0;
    public const ushort ETH_P_ALL = 0x0003;
    public const ushort ETH_P_IP = 0x0800;
    public const ushort ETH_P_IPV6 = 0x86DD;
    public const int SOL_SOCKET = 1;
    public const int SO_ATTACH_FILTER = 26;
    public const int SOL_PACKET = 263;
    public const int PACKET_FANOUT = 18;
    public const int PACKET_IGNORE_OUTGOING = 23;
    public const int PACKET_FANOUT_HASH = 0;
    public const byte PACKET_OUTGOING = 4;
    public const uint TP_STATUS_CSUMNOTREADY = 1 << 3;
    public const int EAGAIN = 11;
    public const int EINTR = 4;
}
