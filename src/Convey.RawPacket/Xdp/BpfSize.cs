namespace Convey.RawPacket.Xdp;

/// <summary>The width of an eBPF load or store (the size bits of its opcode).</summary>
internal enum BpfSize : byte
{
    Word = 0x00,
    Half = 0x08,
    Byte = 0x10,
    DoubleWord = 0x18,
}
