using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Convey.Proxy.Interop;

/// <summary>Owns a Linux file descriptor (here: one end of a pipe) and closes it once.</summary>
[SupportedOSPlatform("linux")]
internal sealed class SafeFileDescriptor : SafeHandle
{
    public SafeFileDescriptor(int descriptor)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        SetHandle(descriptor);
    }

    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => Interop.Close((int)handle) == 0;
}
