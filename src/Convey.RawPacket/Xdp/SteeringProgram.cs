using Convey.RawPacket.Tracking;
using static Convey.RawPacket.Xdp.BpfRegister;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// The XDP program of the AF_XDP path. For each received frame: Ethernet (one 802.1Q/802.1ad tag allowed), then
/// IPv4 (not a later fragment) or IPv6 (hop-by-hop, routing and destination options headers stepped over, at most
/// <see cref="MaxExtensionHeaders"/>), then TCP; when the destination address and port are in the served map — a
/// frontend, or for an address whose key with port 0 is there, a port of the NAT range — the frame is redirected to
/// the AF_XDP socket of the queue it arrived on. An ICMP error (IPv4 destination unreachable, ICMPv6 destination
/// unreachable or packet too big) that quotes a TCP segment sent from a served address and port is redirected the same
/// way, so the engine relays it to the flow's other side. Everything else — a fragment, a longer chain of extension
/// headers, neighbour discovery, any other ICMP — and a served frame on a queue without a socket goes on to the kernel
/// (XDP_PASS). With a fast-path map, an untagged IPv4 TCP segment with a 20-byte header and none of SYN, FIN and RST
/// whose (addresses, ports) are in that map goes to the kernel too, where the fast path's TC program forwards it
/// (<see cref="FastPathProgram"/>); SYN, FIN and RST always reach the engine, which keeps each flow's state. Every read is
/// bounds-checked first, as the verifier demands.
/// </summary>
internal static class SteeringProgram
{
    /// <summary>The program's name in the kernel (bpftool, /proc/PID/fdinfo).</summary>
    public const string Name = "convey_steer";

    /// <summary>IPv6 extension headers stepped over before TCP or ICMPv6; a packet with more goes to the kernel.</summary>
    public const int MaxExtensionHeaders = 4;

    private const int XdpPass = 2;
    private const short KeyOffset = -24; // the SteeringKey on the stack: 20 bytes at fp-24 (8-aligned)
    private const short KeyPortOffset = KeyOffset + 16;
    private const short FastPathKeyOffset = -40; // the FastPathKey on the stack: 12 bytes at fp-40
    private const int ProtocolTcp = 6, ProtocolIcmp = 1, ProtocolIcmpV6 = 58;
    private const int HopByHop = 0, Routing = 43, DestinationOptions = 60;

    // struct xdp_md
    private const short ContextData = 0, ContextDataEnd = 4, ContextReceiveQueue = 16;

    /// <summary>
    /// The program for the maps <paramref name="servedMapFd"/> (<see cref="SteeringKey"/> → kind), <paramref name="socketsMapFd"/>
    /// (XSKMAP by queue) and, when not null, <paramref name="fastPathMapFd"/> (<see cref="FastPathKey"/> → <see cref="FastPathEntry"/>).
    /// </summary>
    public static BpfInstruction[] Build(int servedMapFd, int socketsMapFd, int? fastPathMapFd = null)
    {
        var b = new BpfProgramBuilder();
        var pass = b.DefineLabel();
        var vlan = b.DefineLabel();
        var network = b.DefineLabel();
        var ipv4 = b.DefineLabel();
        var ipv6 = b.DefineLabel();
        var tcp = b.DefineLabel();
        var icmp4 = b.DefineLabel();
        var icmp6 = b.DefineLabel();
        var lookUp = b.DefineLabel();
        var redirect = b.DefineLabel();

        // R6 context, R2 the header being read, R3 the end of the frame, R4 scratch for bounds checks, R5 scratch,
        // R7 the TCP port looked up (network order), R8 the IPv6 next header, R9 1 while the packet may take the fast
        // path (untagged IPv4 with a 20-byte header).
        b.Move(R6, R1)
            .Move(R9, 1)
            .Load(BpfSize.Word, R2, R6, ContextData)
            .Load(BpfSize.Word, R3, R6, ContextDataEnd);
        NeedBytes(b, 14, pass);
        b.Load(BpfSize.Half, R5, R2, 12).FromBigEndian(R5, 16)
            .Alu(BpfAluOperation.Add, R2, 14)
            .JumpIf(BpfJumpCondition.Equal, R5, 0x8100, vlan)
            .JumpIf(BpfJumpCondition.Equal, R5, 0x88a8, vlan)
            .Jump(network);

        b.Mark(vlan).Move(R9, 0);
        NeedBytes(b, 4, pass);
        b.Load(BpfSize.Half, R5, R2, 2).FromBigEndian(R5, 16)
            .Alu(BpfAluOperation.Add, R2, 4);

        b.Mark(network)
            .JumpIf(BpfJumpCondition.Equal, R5, 0x0800, ipv4)
            .JumpIf(BpfJumpCondition.Equal, R5, 0x86dd, ipv6)
            .Jump(pass);

        // IPv4: the key's address is ::ffff:a.b.c.d; a later fragment has no TCP or ICMP header.
        b.Mark(ipv4);
        NeedBytes(b, 20, pass);
        b.Load(BpfSize.Byte, R8, R2, 9)
            .Load(BpfSize.Half, R5, R2, 6).FromBigEndian(R5, 16)
            .Alu(BpfAluOperation.And, R5, 0x1FFF).JumpIf(BpfJumpCondition.NotEqual, R5, 0, pass);
        StoreMappedAddress(b, R2, 16);
        var shortHeader = b.DefineLabel();
        b.Load(BpfSize.Byte, R5, R2, 0).Alu(BpfAluOperation.And, R5, 0xF).Alu(BpfAluOperation.LeftShift, R5, 2)
            .JumpIf(BpfJumpCondition.Less, R5, 20, pass)
            .JumpIf(BpfJumpCondition.Equal, R5, 20, shortHeader)
            .Move(R9, 0)
            .Mark(shortHeader)
            .Alu(BpfAluOperation.Add, R2, R5)
            .JumpIf(BpfJumpCondition.Equal, R8, ProtocolTcp, tcp)
            .JumpIf(BpfJumpCondition.Equal, R8, ProtocolIcmp, icmp4)
            .Jump(pass);

        // IPv6: TCP or ICMPv6 after at most MaxExtensionHeaders hop-by-hop, routing or destination options headers
        // (the engine checks their order and content); a fragment header, or anything else, goes to the kernel.
        b.Mark(ipv6).Move(R9, 0);
        NeedBytes(b, 40, pass);
        b.Load(BpfSize.Byte, R8, R2, 6);
        StoreAddress(b, R2, 24);
        b.Alu(BpfAluOperation.Add, R2, 40);
        for (var header = 0; header <= MaxExtensionHeaders; header++)
        {
            b.JumpIf(BpfJumpCondition.Equal, R8, ProtocolTcp, tcp)
                .JumpIf(BpfJumpCondition.Equal, R8, ProtocolIcmpV6, icmp6);
            if (header == MaxExtensionHeaders)
            {
                b.Jump(pass);
                break;
            }

            var extension = b.DefineLabel();
            b.JumpIf(BpfJumpCondition.Equal, R8, HopByHop, extension)
                .JumpIf(BpfJumpCondition.Equal, R8, Routing, extension)
                .JumpIf(BpfJumpCondition.NotEqual, R8, DestinationOptions, pass)
                .Mark(extension);
            NeedBytes(b, 8, pass);

            // Next header, then the header's length in 8-octet units beyond the first 8.
            b.Load(BpfSize.Byte, R8, R2, 0)
                .Load(BpfSize.Byte, R5, R2, 1).Alu(BpfAluOperation.LeftShift, R5, 3).Alu(BpfAluOperation.Add, R5, 8)
                .Alu(BpfAluOperation.Add, R2, R5);
        }

        // TCP: look up (destination address, destination port).
        b.Mark(tcp);
        NeedBytes(b, 20, pass);
        b.Load(BpfSize.Half, R7, R2, 2);
        if (fastPathMapFd is { } fastPath)
        {
            FastPathCheck(b, fastPath, lookUp, pass);
        }

        b.Jump(lookUp);

        // ICMP destination unreachable quoting IPv4 + TCP: look up the quoted packet's (source address, source port).
        b.Mark(icmp4);
        NeedBytes(b, 8 + 20, pass);
        b.Load(BpfSize.Byte, R5, R2, 0).JumpIf(BpfJumpCondition.NotEqual, R5, 3, pass)
            .Alu(BpfAluOperation.Add, R2, 8)
            .Load(BpfSize.Byte, R5, R2, 9).JumpIf(BpfJumpCondition.NotEqual, R5, ProtocolTcp, pass);
        StoreMappedAddress(b, R2, 12);
        b.Load(BpfSize.Byte, R5, R2, 0).Alu(BpfAluOperation.And, R5, 0xF).Alu(BpfAluOperation.LeftShift, R5, 2)
            .JumpIf(BpfJumpCondition.Less, R5, 20, pass)
            .Alu(BpfAluOperation.Add, R2, R5);
        NeedBytes(b, 2, pass);
        b.Load(BpfSize.Half, R7, R2, 0).Jump(lookUp);

        // ICMPv6 destination unreachable or packet too big quoting IPv6 + TCP (no extension headers): the same.
        b.Mark(icmp6);
        NeedBytes(b, 8 + 40 + 2, pass);
        b.Load(BpfSize.Byte, R5, R2, 0)
            .JumpIf(BpfJumpCondition.Equal, R5, 0, pass)
            .JumpIf(BpfJumpCondition.Greater, R5, 2, pass)
            .Alu(BpfAluOperation.Add, R2, 8)
            .Load(BpfSize.Byte, R5, R2, 6).JumpIf(BpfJumpCondition.NotEqual, R5, ProtocolTcp, pass);
        StoreAddress(b, R2, 8);
        b.Load(BpfSize.Half, R7, R2, 40);

        // Look up (address, port), then (address, 0) when the port is in the NAT range.
        b.Mark(lookUp)
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

    /// <summary>
    /// With R2 at a TCP header (20 bytes checked) and R9 saying the packet may take the fast path: to <paramref name="pass"/>
    /// when it carries none of SYN, FIN and RST and its (addresses, ports) are in the fast-path map; else on to
    /// <paramref name="lookUp"/> with R7 kept. The IPv4 header is then the 20 bytes after the 14 of Ethernet.
    /// </summary>
    private static void FastPathCheck(BpfProgramBuilder b, int fastPathMapFd, BpfLabel lookUp, BpfLabel pass) =>
        b.JumpIf(BpfJumpCondition.NotEqual, R9, 1, lookUp)
            .Load(BpfSize.Byte, R5, R2, 13).Alu(BpfAluOperation.And, R5, 0x07).JumpIf(BpfJumpCondition.NotEqual, R5, 0, lookUp)
            .Load(BpfSize.Word, R5, R2, 0).Store(BpfSize.Word, R10, FastPathKeyOffset + 8, R5)
            .Load(BpfSize.Word, R4, R6, ContextData)
            .Move(R5, R4).Alu(BpfAluOperation.Add, R5, 34).JumpIf(BpfJumpCondition.Greater, R5, R3, lookUp)
            .Load(BpfSize.Word, R5, R4, 26).Store(BpfSize.Word, R10, FastPathKeyOffset, R5)
            .Load(BpfSize.Word, R5, R4, 30).Store(BpfSize.Word, R10, FastPathKeyOffset + 4, R5)
            .LoadMap(R1, fastPathMapFd).Move(R2, R10).Alu(BpfAluOperation.Add, R2, FastPathKeyOffset).Call(BpfHelper.MapLookupElement)
            .JumpIf(BpfJumpCondition.NotEqual, R0, 0, pass);

    /// <summary>The key's address := ::ffff: and the IPv4 address at <paramref name="offset"/> from <paramref name="header"/> (bounds checked by the caller).</summary>
    private static void StoreMappedAddress(BpfProgramBuilder b, BpfRegister header, short offset) =>
        b.Store(BpfSize.Word, R10, KeyOffset, 0)
            .Store(BpfSize.Word, R10, KeyOffset + 4, 0)
            .Store(BpfSize.Word, R10, KeyOffset + 8, BitConverter.IsLittleEndian ? unchecked((int)0xFFFF0000) : 0x0000FFFF)
            .Load(BpfSize.Word, R5, header, offset).Store(BpfSize.Word, R10, KeyOffset + 12, R5);

    /// <summary>The key's address := the IPv6 address at <paramref name="offset"/> from <paramref name="header"/> (bounds checked by the caller).</summary>
    private static void StoreAddress(BpfProgramBuilder b, BpfRegister header, short offset)
    {
        for (short word = 0; word < 4; word++)
        {
            b.Load(BpfSize.Word, R5, header, (short)(offset + (4 * word))).Store(BpfSize.Word, R10, (short)(KeyOffset + (4 * word)), R5);
        }
    }

    /// <summary>Goes to <paramref name="pass"/> unless <paramref name="count"/> bytes from R2 lie inside the frame.</summary>
    private static void NeedBytes(BpfProgramBuilder b, int count, BpfLabel pass) =>
        b.Move(R4, R2).Alu(BpfAluOperation.Add, R4, count).JumpIf(BpfJumpCondition.Greater, R4, R3, pass);

    /// <summary>R0 = bpf_map_lookup_elem(served, the key on the stack).</summary>
    private static void LookUp(BpfProgramBuilder b, int servedMapFd) =>
        b.LoadMap(R1, servedMapFd).Move(R2, R10).Alu(BpfAluOperation.Add, R2, KeyOffset).Call(BpfHelper.MapLookupElement);
}
