using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

/// <summary><c>struct sockaddr_ll</c>: a link-layer address for AF_PACKET sockets.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockAddrLinkLayer
{
    public ushort Family;
    public ushort Protocol; // network byte order
    public int InterfaceIndex;
    public ushort HardwareType;
    public byte PacketType;
    public byte AddressLength;
    public fixed byte Address[8];
}
