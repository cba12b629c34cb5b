using System.Runtime.InteropServices;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// <c>struct bpf_insn</c>: one eBPF instruction, 8 bytes: the opcode, the destination register in the low and the
/// source register in the high nibble of the second byte, a signed 16-bit offset and a signed 32-bit immediate.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct BpfInstruction(byte Code, byte Registers, short Offset, int Immediate)
{
    public BpfInstruction(byte code, BpfRegister destination, BpfRegister source, short offset, int immediate)
        : this(code, (byte)((int)destination | ((int)source << 4)), offset, immediate)
    {
    }

    public BpfRegister Destination => (BpfRegister)(Registers & 0xF);

    public BpfRegister Source => (BpfRegister)(Registers >> 4);
}

/// <summary>The eBPF registers: R0 result, R1–R5 arguments (clobbered by calls), R6–R9 kept across calls, R10 the frame pointer.</summary>
internal enum BpfRegister : byte
{
    R0,
    R1,
    R2,
    R3,
    R4,
    R5,
    R6,
    R7,
    R8,
    R9,
    R10,
}
