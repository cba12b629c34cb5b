namespace Convey.RawPacket.Interop;

/// <summary>The kernel ABI of AF_PACKET's TPACKET_V2 receive ring (linux/if_packet.h).</summary>
internal static partial class Libc
{
    public const int PACKET_RX_RING = 5;
    public const int PACKET_COPY_THRESH = 7;
    public const int PACKET_VERSION = 10;
    public const int TPACKET_V2 = 1;
    public const int SO_RCVBUF = 8;
    public const int MSG_TRUNC = 0x20;
    public const uint TP_STATUS_KERNEL = 0;
    public const uint TP_STATUS_USER = 1;
    public const uint TP_STATUS_COPY = 1 << 1;

    /// <summary>Where the <c>sockaddr_ll</c> of a frame starts: TPACKET_ALIGN(sizeof(struct tpacket2_hdr)).</summary>
    public const int Tpacket2AddressOffset = 32;
}
