using System.ComponentModel;
using System.Runtime.Versioning;
using Convey.Proxy.Interop;

namespace Convey.Proxy.Transport.IoUring;

/// <summary>
/// Whether this kernel lets the process use io_uring as the transport needs it: a ring with a single issuer and
/// deferred task running (Linux 6.1+, which also brings multishot accept and receive), every opcode the transport
/// submits (<c>IORING_REGISTER_PROBE</c>), and a provided buffer ring. Containers often forbid io_uring
/// (seccomp: ENOSYS or EPERM; <c>kernel.io_uring_disabled</c>: EPERM); then the engine runs on epoll.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class IoUringSupport
{
    /// <summary>Null when io_uring can serve; otherwise why not, as one line for the log.</summary>
    public static string? Check()
    {
        try
        {
            using var ring = IoUringRing.Create(8, 16);
            if (ring.FindUnsupported(IoUringAbi.UsedOpcodes) is { } opcode)
            {
                return $"the kernel's io_uring lacks opcode {opcode}";
            }

            using var buffers = new ProvidedBuffers(ring, 1, 4096);
            return null;
        }
        catch (Win32Exception ex)
        {
            return ex.Message;
        }
    }
}
