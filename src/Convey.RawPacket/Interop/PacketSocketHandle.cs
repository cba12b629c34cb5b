using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

/// <summary>Owns the file descriptor of an AF_PACKET socket.</summary>
internal sealed class PacketSocketHandle : SafeHandle
{
    public PacketSocketHandle()
        : base(-1, ownsHandle: true)
    {
    }

    public PacketSocketHandle(int fd)
        : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
