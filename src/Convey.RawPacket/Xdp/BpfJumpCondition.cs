namespace Convey.RawPacket.Xdp;

/// <summary>The conditions of eBPF's 64-bit conditional jumps (unsigned comparisons).</summary>
internal enum BpfJumpCondition : byte
{
    Equal = 0x10,
    Greater = 0x20,
    GreaterOrEqual = 0x30,
    NotEqual = 0x50,
    Less = 0xa0,
}
