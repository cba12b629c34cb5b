namespace Convey.RawPacket.Xdp;

/// <summary>The eBPF arithmetic operations the steering program uses (the operation bits of an ALU64 opcode).</summary>
internal enum BpfAluOperation : byte
{
    Add = 0x00,
    And = 0x50,
    LeftShift = 0x60,
    Move = 0xb0,
}
