using System.Buffers.Binary;
using Convey.RawPacket.Interop;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tracking;

namespace Convey.RawPacket.Engine;

/// <summary>
/// Builds the classic BPF program attached to the receive sockets, so the kernel hands over only what the engine serves:
/// TCP for a frontend's address and port and, for passthrough addresses, replies to the NAT port range; ICMP errors
/// (IPv4 destination unreachable, ICMPv6 destination unreachable and packet too big) to those addresses; and IPv6 packets
/// to those addresses that carry extension headers, which a classic filter cannot walk (the pipeline does). Everything
/// else, neighbour discovery included, is left to the kernel alone. The sockets take every protocol (SOCK_DGRAM, offsets
/// from the IP header), so the program first tells IPv4 from IPv6 by the frame's protocol.
/// </summary>
internal static class PacketFilter
{
    private const uint Accept = 0x40000;
    private const uint AncillaryProtocol = 0xFFFFF000; // SKF_AD_OFF + SKF_AD_PROTOCOL: the frame's EtherType
    private const ushort EtherTypeIPv4 = 0x0800, EtherTypeIPv6 = 0x86DD;
    private const ushort LoadWordAbsolute = 0x20, LoadHalfAbsolute = 0x28, LoadByteAbsolute = 0x30, LoadHalfIndirect = 0x48, LoadByteIndirect = 0x50;
    private const ushort LoadIndexIPv4HeaderLength = 0xb1, Return = 0x06, JumpAlways = 0x05;
    private const ushort JumpEqual = 0x15, JumpGreater = 0x25, JumpGreaterOrEqual = 0x35, JumpSet = 0x45;

    /// <summary>The program for <paramref name="frontends"/> (address and ports) with the NAT range open on <paramref name="natAddresses"/>.</summary>
    /// <exception cref="InvalidOperationException">The program would need a jump longer than classic BPF allows (too many ports on one address).</exception>
    public static SocketFilterInstruction[] Build(IEnumerable<(PacketAddress Address, ushort Port)> frontends, IEnumerable<PacketAddress> natAddresses)
    {
        var nat = natAddresses.ToHashSet();
        var byAddress = frontends.GroupBy(f => f.Address).ToDictionary(g => g.Key, g => g.Select(f => f.Port).Distinct().Order().ToList());
        foreach (var address in nat)
        {
            byAddress.TryAdd(address, []);
        }

        var ipv4 = byAddress.Where(a => a.Key.IsIPv4).OrderBy(a => a.Key).Select(a => (a.Key, a.Value, nat.Contains(a.Key))).ToList();
        var ipv6 = byAddress.Where(a => !a.Key.IsIPv4).OrderBy(a => a.Key).Select(a => (a.Key, a.Value, nat.Contains(a.Key))).ToList();
        var program = new Assembler();
        program.Load(LoadHalfAbsolute, AncillaryProtocol);
        program.JumpIf(JumpEqual, EtherTypeIPv4, "ipv4", null);
        program.JumpIf(JumpEqual, EtherTypeIPv6, null, "reject");
        program.JumpAlways("ipv6");
        program.Label("reject");
        program.Return(0);

        program.Label("ipv4");
        program.Load(LoadHalfAbsolute, 6);
        program.JumpIf(JumpSet, 0x1FFF, "reject4", null); // a later fragment carries no upper-layer header
        program.Load(LoadIndexIPv4HeaderLength, 0);
        program.Load(LoadByteAbsolute, 9);
        program.JumpIf(JumpEqual, IPPacket.ProtocolTcp, "tcp4", null);
        program.JumpIf(JumpEqual, IPPacket.ProtocolIcmp, null, "reject4");
        program.Load(LoadByteIndirect, 0);
        program.JumpIf(JumpEqual, 3, null, "reject4"); // destination unreachable, fragmentation needed among its codes
        program.Load(LoadWordAbsolute, 16);
        foreach (var (address, _, _) in ipv4)
        {
            program.JumpIf(JumpEqual, address.IPv4, "accept4", null);
        }

        program.Label("reject4");
        program.Return(0);
        program.Label("accept4");
        program.Return(Accept);

        program.Label("tcp4");
        for (var i = 0; i < ipv4.Count; i++)
        {
            var (address, ports, translated) = ipv4[i];
            program.Load(LoadWordAbsolute, 16);
            program.JumpIf(JumpEqual, address.IPv4, null, $"tcp4-{i + 1}");
            program.Load(LoadHalfIndirect, 2);
            PortBlock(program, ports, translated);
            program.Label($"tcp4-{i + 1}");
        }

        program.Return(0);

        program.Label("ipv6");
        program.Load(LoadByteAbsolute, 6);
        program.JumpIf(JumpEqual, IPPacket.ProtocolTcp, "tcp6", null);
        program.JumpIf(JumpEqual, IPPacket.ProtocolIcmpV6, "icmp6", null);
        foreach (var extension in (byte[])[IPv6ExtensionHeaders.HopByHop, IPv6ExtensionHeaders.Routing, IPv6ExtensionHeaders.Fragment, IPv6ExtensionHeaders.DestinationOptions])
        {
            program.JumpIf(JumpEqual, extension, "served6", null);
        }

        program.Return(0);
        program.Label("icmp6");
        program.Load(LoadByteAbsolute, IPv6Header.Length);
        program.JumpIf(JumpEqual, 1, "served6", null); // destination unreachable
        program.JumpIf(JumpEqual, 2, "served6", null); // packet too big
        program.Return(0);
        program.Label("served6");
        for (var i = 0; i < ipv6.Count; i++)
        {
            CompareIPv6Destination(program, ipv6[i].Key, "accept6", $"served6-{i + 1}");
            program.Label($"served6-{i + 1}");
        }

        program.Return(0);
        program.Label("accept6");
        program.Return(Accept);

        program.Label("tcp6");
        for (var i = 0; i < ipv6.Count; i++)
        {
            var (address, ports, translated) = ipv6[i];
            CompareIPv6Destination(program, address, null, $"tcp6-{i + 1}");
            program.Load(LoadHalfAbsolute, IPv6Header.Length + 2);
            PortBlock(program, ports, translated);
            program.Label($"tcp6-{i + 1}");
        }

        program.Return(0);
        return program.Resolve();
    }

    /// <summary>With the destination port in A: accept the frontend ports, and the NAT range when translated; else drop.</summary>
    private static void PortBlock(Assembler program, List<ushort> ports, bool translated)
    {
        foreach (var port in ports)
        {
            program.JumpIf(JumpEqual, port, "accept-port", null);
        }

        if (translated)
        {
            program.JumpIf(JumpGreaterOrEqual, NatPortAllocator.FirstPort, null, "drop-port");
            program.JumpIf(JumpGreater, NatPortAllocator.LastPort, "drop-port", "accept-port");
        }

        program.Label("drop-port");
        program.Return(0);
        program.Label("accept-port");
        program.Return(Accept);
    }

    /// <summary>Jumps to <paramref name="match"/> (null: the next instruction) when the IPv6 destination is <paramref name="address"/>, else to <paramref name="other"/>.</summary>
    private static void CompareIPv6Destination(Assembler program, PacketAddress address, string? match, string other)
    {
        Span<byte> bytes = stackalloc byte[PacketAddress.Length];
        address.WriteTo(bytes);
        for (var word = 0; word < 4; word++)
        {
            program.Load(LoadWordAbsolute, (uint)(24 + (4 * word)));
            program.JumpIf(JumpEqual, BinaryPrimitives.ReadUInt32BigEndian(bytes[(4 * word)..]), word == 3 ? match : null, other);
        }
    }

    /// <summary>Runs <paramref name="program"/> on <paramref name="packet"/> the way the kernel would (for tests); the frame's protocol follows the IP version.</summary>
    internal static bool Accepts(ReadOnlySpan<SocketFilterInstruction> program, ReadOnlySpan<byte> packet)
    {
        uint a = 0, x = 0;
        for (var pc = 0; pc < program.Length; pc++)
        {
            var i = program[pc];
            switch (i.Code)
            {
                case LoadHalfAbsolute when i.Constant == AncillaryProtocol:
                    a = packet.Length > 0 && packet[0] >> 4 == 6 ? EtherTypeIPv6 : EtherTypeIPv4;
                    break;
                case LoadWordAbsolute or LoadHalfAbsolute or LoadByteAbsolute or LoadHalfIndirect or LoadByteIndirect:
                    var offset = (int)i.Constant + (i.Code is LoadHalfIndirect or LoadByteIndirect ? (int)x : 0);
                    var size = i.Code switch { LoadWordAbsolute => 4, LoadByteAbsolute or LoadByteIndirect => 1, _ => 2 };
                    if (offset + size > packet.Length)
                    {
                        return false;
                    }

                    a = 0;
                    for (var b = 0; b < size; b++)
                    {
                        a = (a << 8) | packet[offset + b];
                    }

                    break;
                case LoadIndexIPv4HeaderLength:
                    if (packet.Length < 1)
                    {
                        return false;
                    }

                    x = (uint)(packet[0] & 0xF) * 4;
                    break;
                case Return:
                    return i.Constant != 0;
                case JumpAlways:
                    pc += (int)i.Constant;
                    break;
                default:
                    var taken = i.Code switch
                    {
                        JumpEqual => a == i.Constant,
                        JumpGreater => a > i.Constant,
                        JumpGreaterOrEqual => a >= i.Constant,
                        JumpSet => (a & i.Constant) != 0,
                        _ => throw new InvalidOperationException($"Unknown BPF code {i.Code:x}"),
                    };
                    pc += taken ? i.JumpTrue : i.JumpFalse;
                    break;
            }
        }

        return false;
    }

    /// <summary>
    /// Collects instructions whose jumps name labels, and resolves them to the forward offsets classic BPF takes (a label
    /// used in several blocks, like <c>accept-port</c>, means its next definition).
    /// </summary>
    private sealed class Assembler
    {
        private readonly List<(SocketFilterInstruction Instruction, string? True, string? False)> _code = [];
        private readonly List<(string Name, int At)> _labels = [];

        public void Load(ushort code, uint constant) => _code.Add((new(code, 0, 0, constant), null, null));

        public void Return(uint value) => _code.Add((new(PacketFilter.Return, 0, 0, value), null, null));

        public void JumpIf(ushort code, uint constant, string? whenTrue, string? whenFalse) => _code.Add((new(code, 0, 0, constant), whenTrue, whenFalse));

        public void JumpAlways(string target) => _code.Add((new(PacketFilter.JumpAlways, 0, 0, 0), target, null));

        public void Label(string name) => _labels.Add((name, _code.Count));

        public SocketFilterInstruction[] Resolve()
        {
            var program = new SocketFilterInstruction[_code.Count];
            for (var pc = 0; pc < _code.Count; pc++)
            {
                var (instruction, whenTrue, whenFalse) = _code[pc];
                program[pc] = instruction.Code == PacketFilter.JumpAlways
                    ? instruction with { Constant = (uint)Distance(pc, whenTrue) }
                    : instruction with { JumpTrue = Short(pc, whenTrue), JumpFalse = Short(pc, whenFalse) };
            }

            return program;
        }

        private byte Short(int pc, string? label)
        {
            var distance = Distance(pc, label);
            return distance <= byte.MaxValue
                ? (byte)distance
                : throw new InvalidOperationException($"The packet filter needs a jump of {distance} instructions, more than classic BPF's 255: serve fewer ports on one address.");
        }

        private int Distance(int pc, string? label)
        {
            if (label is null)
            {
                return 0;
            }

            foreach (var (name, at) in _labels)
            {
                if (name == label && at > pc)
                {
                    return at - pc - 1;
                }
            }

            throw new InvalidOperationException($"The packet filter jumps to '{label}', which does not follow.");
        }
    }
}
