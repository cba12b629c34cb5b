using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

/// <summary>Owns a file descriptor the kernel handed out (a BPF program, map or link, an AF_XDP socket); closes it once.</summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle(int fd)
        : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    /// <summary>The descriptor number, for kernel structures that carry it (map values, bpf_attr).</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
