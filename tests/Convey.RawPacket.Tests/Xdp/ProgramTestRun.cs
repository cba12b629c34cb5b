using System.Runtime.InteropServices;
using Convey.RawPacket.Xdp;

namespace Convey.RawPacket.Tests.Xdp;

/// <summary>BPF_PROG_TEST_RUN: the kernel runs a loaded program once on a given frame and says what it returned.</summary>
internal static class ProgramTestRun
{
    public const int XdpPass = 2, XdpRedirect = 4;
    private const int BpfProgTestRun = 10;

    /// <summary>The XDP action program <paramref name="programFd"/> returns for <paramref name="frame"/> (received on queue 0).</summary>
    public static unsafe int Run(int programFd, byte[] frame)
    {
        fixed (byte* data = frame)
        {
            var attributes = new Attributes { ProgramFd = (uint)programFd, DataSizeIn = (uint)frame.Length, DataIn = (ulong)data, Repeat = 1 };
            BpfSystemCall.Invoke(BpfProgTestRun, ref attributes, "BPF_PROG_TEST_RUN");
            return (int)attributes.Result;
        }
    }

    /// <summary>What program <paramref name="programFd"/> returns for <paramref name="frame"/>, and the frame as the program left it.</summary>
    public static unsafe int Run(int programFd, byte[] frame, out byte[] output)
    {
        var buffer = new byte[frame.Length + 256];
        fixed (byte* data = frame)
        fixed (byte* outData = buffer)
        {
            var attributes = new Attributes
            {
                ProgramFd = (uint)programFd, DataSizeIn = (uint)frame.Length, DataIn = (ulong)data,
                DataSizeOut = (uint)buffer.Length, DataOut = (ulong)outData, Repeat = 1,
            };
            BpfSystemCall.Invoke(BpfProgTestRun, ref attributes, "BPF_PROG_TEST_RUN");
            output = buffer[..(int)attributes.DataSizeOut];
            return (int)attributes.Result;
        }
    }

    /// <summary>The test-run part of <c>union bpf_attr</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Attributes
    {
        public uint ProgramFd;
        public uint Result;
        public uint DataSizeIn;
        public uint DataSizeOut;
        public ulong DataIn;
        public ulong DataOut;
        public uint Repeat;
        public uint Duration;
        public uint ContextSizeIn;
        public uint ContextSizeOut;
        public ulong ContextIn;
        public ulong ContextOut;
        public uint Flags;
        public uint Cpu;
        public uint BatchSize;
        public uint Padding;
    }
}
