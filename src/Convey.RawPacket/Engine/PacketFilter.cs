using Convey.RawPacket.Interop;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Tracking;

namespace Convey.RawPacket.Engine;

/// <summary>
/// Builds the classic BPF program attached to the receive sockets, so the kernel hands over only TCP packets
/// for a frontend's address and port and, for passthrough addresses, replies to the NAT port range.
/// Offsets are from the IPv4 header (the sockets are SOCK_DGRAM).
/// </summary>
internal static class PacketFilter
{
    private const uint Accept = 0x40000;
    private const ushort LoadWordAbsolute = 0x20, LoadHalfAbsolute = 0x28, LoadByteAbsolute = 0x30, LoadHalfIndirect = 0x48;
    private const ushort LoadIndexIPv4HeaderLength = 0xb1, Return = 0x06;
    private const ushort JumpEqual = 0x15, JumpGreater = 0x25, JumpGreaterOrEqual = 0x35, JumpSet = 0x45;

    /// <summary>The program for <paramref name="frontends"/> (address and ports) with the NAT range open on <paramref name="natAddresses"/>.</summary>
    public static SocketFilterInstruction[] Build(IEnumerable<(PacketAddress Address, ushort Port)> frontends, IEnumerable<PacketAddress> natAddresses)
    {
        var nat = natAddresses.Where(a => a.IsIPv4).Select(a => a.IPv4).ToHashSet();
        var byAddress = frontends.Where(f => f.Address.IsIPv4).GroupBy(f => f.Address.IPv4)
            .ToDictionary(g => g.Key, g => g.Select(f => f.Port).Distinct().Order().ToList());
        foreach (var address in nat)
        {
            byAddress.TryAdd(address, []);
        }

        var program = new List<SocketFilterInstruction>
        {
            new(LoadByteAbsolute, 0, 0, 9),
            new(JumpEqual, 1, 0, 6),
            new(Return, 0, 0, 0),
            new(LoadHalfAbsolute, 0, 0, 6),
            new(JumpSet, 0, 1, 0x1FFF), // a later fragment carries no TCP header
            new(Return, 0, 0, 0),
            new(LoadIndexIPv4HeaderLength, 0, 0, 0),
        };

        foreach (var (address, ports) in byAddress.OrderBy(p => p.Key))
        {
            var block = new List<SocketFilterInstruction> { new(LoadHalfIndirect, 0, 0, 2) };
            foreach (var port in ports)
            {
                block.Add(new(JumpEqual, 0, 1, port));
                block.Add(new(Return, 0, 0, Accept));
            }

            if (nat.Contains(address))
            {
                block.Add(new(JumpGreaterOrEqual, 0, 2, NatPortAllocator.FirstPort));
                block.Add(new(JumpGreater, 1, 0, NatPortAllocator.LastPort));
                block.Add(new(Return, 0, 0, Accept));
            }

            block.Add(new(Return, 0, 0, 0));
            if (block.Count > byte.MaxValue)
            {
                throw new InvalidOperationException($"Too many frontend ports on one address for the packet filter ({ports.Count}).");
            }

            program.Add(new(LoadWordAbsolute, 0, 0, 16));
            program.Add(new(JumpEqual, 0, (byte)block.Count, address));
            program.AddRange(block);
        }

        program.Add(new(Return, 0, 0, 0));
        return [.. program];
    }

    /// <summary>Runs <paramref name="program"/> on <paramref name="packet"/> the way the kernel would (for tests).</summary>
    internal static bool Accepts(ReadOnlySpan<SocketFilterInstruction> program, ReadOnlySpan<byte> packet)
    {
        uint a = 0, x = 0;
        for (var pc = 0; pc < program.Length; pc++)
        {
            var i = program[pc];
            switch (i.Code)
            {
                case LoadWordAbsolute or LoadHalfAbsolute or LoadByteAbsolute or LoadHalfIndirect:
                    var offset = (int)i.Constant + (i.Code == LoadHalfIndirect ? (int)x : 0);
                    var size = i.Code switch { LoadWordAbsolute => 4, LoadByteAbsolute => 1, _ => 2 };
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
}
