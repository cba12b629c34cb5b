using System.ComponentModel;
using System.Runtime.InteropServices;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Xdp;

/// <summary>The bpf(2) system call: one command with its <c>bpf_attr</c>.</summary>
internal static class BpfSystemCall
{
    /// <summary>Runs <paramref name="command"/>; returns the kernel's result (a new descriptor for the commands that make one).</summary>
    /// <exception cref="Win32Exception">The kernel refused; the message names <paramref name="what"/> and the error.</exception>
    public static unsafe int Invoke<TAttributes>(int command, ref TAttributes attributes, string what)
        where TAttributes : unmanaged
    {
        var result = TryInvoke(command, ref attributes, out var error);
        return result >= 0 ? result : throw Failure(what, error);
    }

    /// <summary>Runs <paramref name="command"/>; returns -1 with the errno in <paramref name="error"/> when the kernel refused.</summary>
    public static unsafe int TryInvoke<TAttributes>(int command, ref TAttributes attributes, out int error)
        where TAttributes : unmanaged
    {
        fixed (TAttributes* pointer = &attributes)
        {
            var result = Libc.Syscall(Libc.SysBpf, command, pointer, sizeof(TAttributes));
            error = result < 0 ? Marshal.GetLastPInvokeError() : 0;
            return (int)result;
        }
    }

    /// <summary>The exception for a refused bpf(2) call.</summary>
    public static Win32Exception Failure(string what, int error) =>
        new(error, $"bpf({what}) failed: {Marshal.GetPInvokeErrorMessage(error)}"
            + (error == 1 ? " (the AF_XDP path needs CAP_BPF and CAP_NET_ADMIN, or root)" : string.Empty));
}
