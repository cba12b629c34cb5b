using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

/// <summary><c>struct sockaddr_xdp</c>: binds an AF_XDP socket to one receive queue of an interface.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SockAddrXdp
{
    public ushort Family;
    public ushort Flags;
    public uint InterfaceIndex;
    public uint QueueId;
    public uint SharedUmemFd;
}
