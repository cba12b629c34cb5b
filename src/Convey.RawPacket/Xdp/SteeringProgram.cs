using Convey.RawPacket.Tracking;
using static Convey.RawPacket.Xdp.BpfRegister;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// The XDP program of the AF_XDP path. For each received frame: Ethernet (one 802.1Q/802.1ad tag allowed), then
/// IPv4 (not a later fragment) or IPv6 (TCP as the first next header), then TCP; when the destination address and
/// port are in the served map — a frontend, or for an address whose key with port 0 is there, a port of the NAT
/// range — the frame is redirected to the AF_XDP socket of the queue it arrived on. Everything else, and a served
/// frame on a queue without a socket, goes on to the kernel (XDP_PASS). Every read is bounds-checked first, as the
/// verifier demands.
/// </summary>
internal static class SteeringProgram
{
    /// <summary>The program's name in the kernel (bpftool, /proc/PID/fdinfo).</summary>
    public const string Name = "convey_steer";

    private const int XdpPass = 2;
    private const short KeyOffset = -24; // the SteeringKey on the stack: 20 bytes at fp-24 (8-aligned)
    private const short KeyPortOffset = KeyOffset + 16;

    // struct xdp_md
    private const short ContextData = 0, ContextDataEnd = 4, ContextReceiveQueue = 16;

    /// <summary>The program for the maps <paramref name="servedMapFd"/> (<see cref="SteeringKey"/> → kind) and <paramref name="socketsMapFd"/> (XSKMAP by queue).</summary>
    public static BpfInstruction[] Build(int servedMapFd, int socketsMapFd)
    {
        var b = new BpfProgramBuilder();
        var pass = b.DefineLabel();
        var vlan = b.DefineLabel();
        var network = b.DefineLabel();
        var ipv4 = b.DefineLabel();
        var ipv6 = b.DefineLabel();
        var tcp = b.DefineLabel();
        var redirect = b.DefineLabel();

        // R6 context, R2 the header being read, R3 the end of the frame, R4 scratch for bounds checks.
        b.Move(R6, R1)
            .Load(BpfSize.Word, R2, R6, ContextData)
            .Load(BpfSize.Word, R3, R6, ContextDataEnd);
        NeedBytes(b, 14, pass);
        b.Load(BpfSize.Half, R5, R2, 12).FromBigEndian(R5, 16)
            .Alu(BpfAluOperation.Add, R2, 14)
            .JumpIf(BpfJumpCondition.Equal, R5, 0x8100, vlan)
            .JumpIf(BpfJumpCondition.Equal, R5, 0x88a8, vlan)
            .Jump(network);

        b.Mark(vlan);
        NeedBytes(b, 4, pass);
        b.Load(BpfSize.Half, R5, R2, 2).FromBigEndian(R5, 16)
            .Alu(BpfAluOperation.Add, R2, 4);

        b.Mark(network)
            .JumpIf(BpfJumpCondition.Equal, R5, 0x0800, ipv4)
            .JumpIf(BpfJumpCondition.Equal, R5, 0x86dd, ipv6)
            .Jump(pass);

        // IPv4: the key's address is ::ffff:a.b.c.d; a later fragment has no TCP header.
        b.Mark(ipv4);
        NeedBytes(b, 20, pass);
        b.Load(BpfSize.Byte, R5, R2, 9).JumpIf(BpfJumpCondition.NotEqual, R5, 6, pass)
            .Load(BpfSize.Half, R5, R2, 6).FromBigEndian(R5, 16)
            .Alu(BpfAluOperation.And, R5, 0x1FFF).JumpIf(BpfJumpCondition.NotEqual, R5, 0, pass)
            .Store(BpfSize.Word, R10, KeyOffset, 0)
            .Store(BpfSize.Word, R10, KeyOffset + 4, 0)
            .Store(BpfSize.Word, R10, KeyOffset + 8, BitConverter.IsLittleEndian ? unchecked((int)0xFFFF0000) : 0x0000FFFF)
            .Load(BpfSize.Word, R5, R2, 16).Store(BpfSize.Word, R10, KeyOffset + 12, R5)
            .Load(BpfSize.Byte, R5, R2, 0).Alu(BpfAluOperation.And, R5, 0xF).Alu(BpfAluOperation.LeftShift, R5, 2)
            .JumpIf(BpfJumpCondition.Less, R5, 20, pass)
            .Alu(BpfAluOperation.Add, R2, R5)
            .Jump(tcp);

        // IPv6: TCP right after the fixed header; a packet with extension headers first goes to the kernel.
        b.Mark(ipv6);
        NeedBytes(b, 40, pass);
        b.Load(BpfSize.Byte, R5, R2, 6).JumpIf(BpfJumpCondition.NotEqual, R5, 6, pass);
        for (short word = 0; word < 4; word++)
        {
            b.Load(BpfSize.Word, R5, R2, (short)(24 + (4 * word))).Store(BpfSize.Word, R10, (short)(KeyOffset + (4 * word)), R5);
        }

        b.Alu(BpfAluOperation.Add, R2, 40);

        // TCP: look up (address, port), then (address, 0) when the port is in the NAT range.
        b.Mark(tcp);
        NeedBytes(b, 20, pass);
        b.Load(BpfSize.Half, R7, R2, 2)
            .Store(BpfSize.Half, R10, KeyPortOffset, R7)
            .Store(BpfSize.Half, R10, KeyPortOffset + 2, 0);
        LookUp(b, servedMapFd);
        b.JumpIf(BpfJumpCondition.NotEqual, R0, 0, redirect)
            .FromBigEndian(R7, 16)
            .JumpIf(BpfJumpCondition.Less, R7, NatPortAllocator.FirstPort, pass)
            .JumpIf(BpfJumpCondition.Greater, R7, NatPortAllocator.LastPort, pass)
            .Store(BpfSize.Half, R10, KeyPortOffset, 0);
        LookUp(b, servedMapFd);
        b.JumpIf(BpfJumpCondition.Equal, R0, 0, pass);

        // The low bits of bpf_redirect_map's flags are its answer when the queue has no socket: XDP_PASS.
        b.Mark(redirect)
            .LoadMap(R1, socketsMapFd)
            .Load(BpfSize.Word, R2, R6, ContextReceiveQueue)
            .Move(R3, XdpPass)
            .Call(BpfHelper.RedirectMap)
            .Exit();

        b.Mark(pass).Move(R0, XdpPass).Exit();
        return b.Build();
    }

    /// <summary>Goes to <paramref name="pass"/> unless <paramref name="count"/> bytes from R2 lie inside the frame.</summary>
    private static void NeedBytes(BpfProgramBuilder b, int count, BpfLabel pass) =>
        b.Move(R4, R2).Alu(BpfAluOperation.Add, R4, count).JumpIf(BpfJumpCondition.Greater, R4, R3, pass);

    /// <summary>R0 = bpf_map_lookup_elem(served, the key on the stack).</summary>
    private static void LookUp(BpfProgramBuilder b, int servedMapFd) =>
        b.LoadMap(R1, servedMapFd).Move(R2, R10).Alu(BpfAluOperation.Add, R2, KeyOffset).Call(BpfHelper.MapLookupElement);
}
