using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// A TC program attached to an interface's ingress through a tcx BPF link (BPF_LINK_CREATE with BPF_TCX_INGRESS, Linux
/// 6.6+): it runs after XDP on every packet the kernel builds a socket buffer for, before netfilter and routing. Like the
/// XDP link, the kernel detaches it when the descriptor closes, so it never outlives the process; it is appended after
/// any tcx program already there, which keeps running.
/// </summary>
internal sealed class TcxLink : IDisposable
{
    private readonly FileDescriptorHandle _handle;

    private TcxLink(FileDescriptorHandle handle) => _handle = handle;

    /// <summary>Attaches <paramref name="program"/> (loaded with <see cref="BpfProgram.LoadTcxIngress"/>) to the ingress of interface <paramref name="interfaceIndex"/>.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The kernel refused: no tcx before Linux 6.6 (EINVAL), or no permission.</exception>
    public static TcxLink AttachIngress(BpfProgram program, int interfaceIndex)
    {
        var attributes = new BpfLinkCreateAttributes
        {
            ProgramFd = (uint)program.Fd,
            TargetInterfaceIndex = (uint)interfaceIndex,
            AttachType = Libc.BPF_TCX_INGRESS,
        };
        var fd = BpfSystemCall.Invoke(Libc.BPF_LINK_CREATE, ref attributes, $"BPF_LINK_CREATE tcx ingress on interface {interfaceIndex}");
        return new TcxLink(new FileDescriptorHandle(fd));
    }

    /// <summary>Detaches the program.</summary>
    public void Dispose() => _handle.Dispose();
}
