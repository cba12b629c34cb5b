using System.Runtime.InteropServices;

namespace Convey.Proxy.Interop;

/// <summary>
/// The native <c>struct mmsghdr</c> of 64-bit Linux (x86-64 and arm64 agree): a <c>struct msghdr</c> and the length
/// the kernel received or sent for it. Sequential layout gives the C padding.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MultiMessageHeader
{
    /// <summary><c>msg_name</c>: the peer's <c>sockaddr</c>.</summary>
    public byte* Name;

    /// <summary><c>msg_namelen</c>.</summary>
    public uint NameLength;

    /// <summary><c>msg_iov</c>.</summary>
    public IOVector* Vectors;

    /// <summary><c>msg_iovlen</c>.</summary>
    public nuint VectorCount;

    /// <summary><c>msg_control</c>: ancillary data (here the packet's local address, <c>IP_PKTINFO</c>/<c>IPV6_PKTINFO</c>).</summary>
    public byte* Control;

    /// <summary><c>msg_controllen</c>.</summary>
    public nuint ControlLength;

    /// <summary><c>msg_flags</c> (set by the kernel on receive).</summary>
    public int Flags;

    /// <summary>The C padding that ends <c>struct msghdr</c> on an 8-byte boundary.</summary>
    public int Padding;

    /// <summary><c>msg_len</c>: bytes received or sent.</summary>
    public uint Length;
}

/// <summary>The native <c>struct iovec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IOVector
{
    public byte* Base;

    public nuint Length;
}
