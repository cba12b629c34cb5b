using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// An XDP program attached to an interface through a BPF link (BPF_LINK_CREATE): the kernel detaches it when the
/// link's descriptor closes, so the program never outlives the process, even one that was killed.
/// </summary>
internal sealed class XdpLink : IDisposable
{
    private readonly FileDescriptorHandle _handle;

    private XdpLink(FileDescriptorHandle handle, XdpAttachMode mode)
    {
        _handle = handle;
        Mode = mode;
    }

    /// <summary>Where the program runs.</summary>
    public XdpAttachMode Mode { get; }

    /// <summary>Attaches <paramref name="program"/> to interface <paramref name="interfaceIndex"/> in <paramref name="mode"/>.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">
    /// The kernel refused: another XDP program is attached (EBUSY), the driver has no native XDP (EOPNOTSUPP), or no permission.
    /// </exception>
    public static XdpLink Attach(BpfProgram program, int interfaceIndex, XdpAttachMode mode)
    {
        var attributes = new BpfLinkCreateAttributes
        {
            ProgramFd = (uint)program.Fd,
            TargetInterfaceIndex = (uint)interfaceIndex,
            AttachType = Libc.BPF_XDP,
            Flags = mode == XdpAttachMode.Native ? Libc.XDP_FLAGS_DRV_MODE : Libc.XDP_FLAGS_SKB_MODE,
        };
        var fd = BpfSystemCall.Invoke(Libc.BPF_LINK_CREATE, ref attributes, $"BPF_LINK_CREATE XDP {mode.ToString().ToLowerInvariant()} on interface {interfaceIndex}");
        return new XdpLink(new FileDescriptorHandle(fd), mode);
    }

    /// <summary>Detaches the program.</summary>
    public void Dispose() => _handle.Dispose();
}
