using static Convey.RawPacket.Xdp.BpfRegister;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// The TC program of the fast path (BPF_PROG_TYPE_SCHED_CLS on the interface's tcx ingress). For an untagged IPv4 TCP
/// packet with a 20-byte header, no later fragment and none of SYN, FIN and RST, whose (addresses, ports) are in the
/// fast-path map: counts it, rewrites it as the map's <see cref="FastPathEntry"/> says (TCP checksum by the address and
/// port differences, the address part as a pseudo-header change so a checksum left to offload stays right; IPv4 header
/// checksum; addresses, ports, Ethernet addresses) and sends it out of the entry's interface (<c>bpf_redirect</c>), inside
/// the softirq it arrived in: no socket, no copy to user space, no wake-up, no conntrack or routing. Everything else goes
/// on as if the program were not there (TCX_NEXT).
/// </summary>
internal static class FastPathProgram
{
    /// <summary>The program's name in the kernel (bpftool, /proc/PID/fdinfo).</summary>
    public const string Name = "convey_fast";

    /// <summary>TC verdicts: run the next program or go on (TCX_NEXT), drop (TC_ACT_SHOT).</summary>
    public const int Next = -1, Drop = 2;

    /// <summary>Bytes the program reads directly: Ethernet, a 20-byte IPv4 header and the TCP header up to its checksum.</summary>
    public const int HeaderBytes = 14 + 20 + 18;

    private const short KeyOffset = -16; // the FastPathKey on the stack: 12 bytes at fp-16
    private const int PseudoHeaderFlag = 1 << 4; // BPF_F_PSEUDO_HDR

    // struct __sk_buff
    private const short ContextLength = 0, ContextData = 76, ContextDataEnd = 80;

    // Offsets in the frame.
    private const short EtherType = 12, Ip = 14, IpTotalLength = Ip + 2, IpFragment = Ip + 6, IpProtocol = Ip + 9, IpChecksum = Ip + 10,
        IpAddresses = Ip + 12, Tcp = Ip + 20, TcpFlags = Tcp + 13, TcpChecksum = Tcp + 16;

    /// <summary>The program for the fast-path map <paramref name="flowsMapFd"/> (<see cref="FastPathKey"/> → <see cref="FastPathEntry"/>).</summary>
    public static BpfInstruction[] Build(int flowsMapFd)
    {
        var b = new BpfProgramBuilder();
        var next = b.DefineLabel();
        var drop = b.DefineLabel();
        var linear = b.DefineLabel();
        var parse = b.DefineLabel();

        // R6 context, R2 data, R3 data end; headers not in the linear part are pulled in first.
        b.Move(R6, R1)
            .Load(BpfSize.Word, R4, R6, ContextLength)
            .JumpIf(BpfJumpCondition.Less, R4, HeaderBytes, next);
        LoadData(b);
        b.Move(R4, R2).Alu(BpfAluOperation.Add, R4, HeaderBytes)
            .JumpIf(BpfJumpCondition.Greater, R4, R3, linear)
            .Jump(parse);
        b.Mark(linear)
            .Move(R1, R6).Move(R2, HeaderBytes).Call(BpfHelper.SkbPullData)
            .JumpIf(BpfJumpCondition.NotEqual, R0, 0, next);
        LoadData(b);
        b.Move(R4, R2).Alu(BpfAluOperation.Add, R4, HeaderBytes)
            .JumpIf(BpfJumpCondition.Greater, R4, R3, next);

        // Untagged IPv4, 20-byte header, TCP, no later fragment; no SYN, FIN or RST (those belong to user space).
        b.Mark(parse)
            .Load(BpfSize.Half, R5, R2, EtherType).FromBigEndian(R5, 16).JumpIf(BpfJumpCondition.NotEqual, R5, 0x0800, next)
            .Load(BpfSize.Byte, R5, R2, Ip).JumpIf(BpfJumpCondition.NotEqual, R5, 0x45, next)
            .Load(BpfSize.Byte, R5, R2, IpProtocol).JumpIf(BpfJumpCondition.NotEqual, R5, 6, next)
            .Load(BpfSize.Half, R5, R2, IpFragment).FromBigEndian(R5, 16).Alu(BpfAluOperation.And, R5, 0x1FFF)
            .JumpIf(BpfJumpCondition.NotEqual, R5, 0, next)
            .Load(BpfSize.Byte, R5, R2, TcpFlags).Alu(BpfAluOperation.And, R5, 0x07).JumpIf(BpfJumpCondition.NotEqual, R5, 0, next)
            .Load(BpfSize.Half, R7, R2, IpTotalLength).FromBigEndian(R7, 16)
            .Load(BpfSize.Word, R5, R2, IpAddresses).Store(BpfSize.Word, R10, KeyOffset, R5)
            .Load(BpfSize.Word, R5, R2, IpAddresses + 4).Store(BpfSize.Word, R10, KeyOffset + 4, R5)
            .Load(BpfSize.Word, R5, R2, Tcp).Store(BpfSize.Word, R10, KeyOffset + 8, R5)
            .LoadMap(R1, flowsMapFd).Move(R2, R10).Alu(BpfAluOperation.Add, R2, KeyOffset).Call(BpfHelper.MapLookupElement)
            .JumpIf(BpfJumpCondition.Equal, R0, 0, next)
            .Move(R8, R0);

        // Counters first: the packet is the flow's from here on.
        b.Move(R1, 1).AtomicAdd(R8, FastPathEntry.PacketsOffset, R1)
            .AtomicAdd(R8, FastPathEntry.BytesOffset, R7)
            .Call(BpfHelper.KtimeGetNs)
            .Store(BpfSize.DoubleWord, R8, FastPathEntry.LastSeenOffset, R0);

        // Checksums by difference, then the new header fields copied from the entry.
        CallWithDelta(b, BpfHelper.L4ChecksumReplace, TcpChecksum, FastPathEntry.AddressDeltaOffset, PseudoHeaderFlag, drop);
        CallWithDelta(b, BpfHelper.L4ChecksumReplace, TcpChecksum, FastPathEntry.PortDeltaOffset, 0, drop);
        CallWithDelta(b, BpfHelper.L3ChecksumReplace, IpChecksum, FastPathEntry.AddressDeltaOffset, 0, drop);
        StoreFromEntry(b, IpAddresses, FastPathEntry.AddressesOffset, 8, drop);
        StoreFromEntry(b, Tcp, FastPathEntry.PortsOffset, 4, drop);
        StoreFromEntry(b, 0, FastPathEntry.MacsOffset, 12, drop);
        b.Load(BpfSize.Word, R1, R8, FastPathEntry.InterfaceOffset).Move(R2, 0).Call(BpfHelper.Redirect).Exit();

        // A helper failed half-way (no memory to make the packet writable): the packet is neither old nor new.
        b.Mark(drop).Move(R0, Drop).Exit();
        b.Mark(next).Move(R0, Next).Exit();
        return b.Build();
    }

    private static void LoadData(BpfProgramBuilder b) =>
        b.Load(BpfSize.Word, R2, R6, ContextData).Load(BpfSize.Word, R3, R6, ContextDataEnd);

    /// <summary><c>helper(skb, offset, 0, entry's delta, flags)</c>: a checksum updated by a precomputed difference.</summary>
    private static void CallWithDelta(BpfProgramBuilder b, BpfHelper helper, short offset, short deltaOffset, int flags, BpfLabel failed) =>
        b.Move(R1, R6).Move(R2, offset).Move(R3, 0)
            .Load(BpfSize.Word, R4, R8, deltaOffset)
            .Move(R5, flags)
            .Call(helper)
            .JumpIf(BpfJumpCondition.NotEqual, R0, 0, failed);

    /// <summary><c>bpf_skb_store_bytes(skb, offset, entry + from, length, 0)</c>.</summary>
    private static void StoreFromEntry(BpfProgramBuilder b, short offset, short from, int length, BpfLabel failed) =>
        b.Move(R1, R6).Move(R2, offset)
            .Move(R3, R8).Alu(BpfAluOperation.Add, R3, from)
            .Move(R4, length).Move(R5, 0)
            .Call(BpfHelper.SkbStoreBytes)
            .JumpIf(BpfJumpCondition.NotEqual, R0, 0, failed);
}
