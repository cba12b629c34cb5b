using System.ComponentModel;
using System.Runtime.InteropServices;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Xdp;

/// <summary>An eBPF program loaded into the kernel (it passed the verifier); closing the last descriptor unloads it.</summary>
internal sealed class BpfProgram : IDisposable
{
    private const int VerifierLogSize = 1 << 20;
    private readonly FileDescriptorHandle _handle;

    private BpfProgram(FileDescriptorHandle handle) => _handle = handle;

    /// <summary>The descriptor, for attaching the program.</summary>
    public int Fd => _handle.Fd;

    /// <summary>Loads an XDP program named <paramref name="name"/>.</summary>
    /// <exception cref="BpfVerifierException">The verifier refused the program; the exception carries its log.</exception>
    /// <exception cref="Win32Exception">The kernel refused for another reason (no permission, no BPF).</exception>
    public static BpfProgram LoadXdp(ReadOnlySpan<BpfInstruction> instructions, string name) =>
        Load(new(Libc.BPF_PROG_TYPE_XDP, Libc.BPF_XDP), instructions, name);

    /// <summary>Loads a TC classifier (BPF_PROG_TYPE_SCHED_CLS) named <paramref name="name"/> for a tcx ingress link.</summary>
    /// <exception cref="BpfVerifierException">The verifier refused the program; the exception carries its log.</exception>
    /// <exception cref="Win32Exception">The kernel refused for another reason (no permission, no BPF).</exception>
    public static BpfProgram LoadTcxIngress(ReadOnlySpan<BpfInstruction> instructions, string name) =>
        Load(new(Libc.BPF_PROG_TYPE_SCHED_CLS, Libc.BPF_TCX_INGRESS), instructions, name);

    private static unsafe BpfProgram Load((uint Program, uint Attach) type, ReadOnlySpan<BpfInstruction> instructions, string name)
    {
        // The first attempt asks for no log (the verifier runs faster); only a refusal is loaded again to read why.
        var fd = TryLoad(type, instructions, name, null, 0, out var error);
        if (fd >= 0)
        {
            return new BpfProgram(new FileDescriptorHandle(fd));
        }

        if (error != 13 && error != 22) // EACCES, EINVAL: what the verifier answers
        {
            throw BpfSystemCall.Failure($"BPF_PROG_LOAD {name}", error);
        }

        var log = (byte*)NativeMemory.AllocZeroed(VerifierLogSize);
        try
        {
            fd = TryLoad(type, instructions, name, log, VerifierLogSize, out error);
            if (fd >= 0)
            {
                // Loaded the second time: keep it, the first refusal was not the verifier's.
                return new BpfProgram(new FileDescriptorHandle(fd));
            }

            var text = Marshal.PtrToStringUTF8((nint)log) ?? string.Empty;
            throw new BpfVerifierException(name, error, text);
        }
        finally
        {
            NativeMemory.Free(log);
        }
    }

    public void Dispose() => _handle.Dispose();

    private static unsafe int TryLoad((uint Program, uint Attach) type, ReadOnlySpan<BpfInstruction> instructions, string name, byte* log, int logSize, out int error)
    {
        var license = "GPL\0"u8;
        fixed (BpfInstruction* code = instructions)
        fixed (byte* licensePointer = license)
        {
            var attributes = new BpfProgramLoadAttributes
            {
                ProgramType = type.Program,
                InstructionCount = (uint)instructions.Length,
                Instructions = (ulong)code,
                License = (ulong)licensePointer,
                LogLevel = log is null ? 0u : 1u,
                LogSize = (uint)logSize,
                LogBuffer = (ulong)log,
                ExpectedAttachType = type.Attach,
            };
            BpfMap.WriteName(attributes.Name, name);
            return BpfSystemCall.TryInvoke(Libc.BPF_PROG_LOAD, ref attributes, out error);
        }
    }
}

/// <summary>The kernel's verifier refused a program; <see cref="VerifierLog"/> says at which instruction and why.</summary>
internal sealed class BpfVerifierException : Win32Exception
{
    public BpfVerifierException(string program, int error, string verifierLog)
        : base(error, $"the kernel's verifier refused the BPF program {program} ({Marshal.GetPInvokeErrorMessage(error)}): {LastLines(verifierLog)}")
    {
        VerifierLog = verifierLog;
    }

    /// <summary>The verifier's whole log.</summary>
    public string VerifierLog { get; }

    private static string LastLines(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", lines.TakeLast(3));
    }
}
