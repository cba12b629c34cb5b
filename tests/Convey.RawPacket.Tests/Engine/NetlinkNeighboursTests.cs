using System.Buffers.Binary;
using Convey.RawPacket.Interop;
using Convey.RawPacket.Packets;
using V6 = Convey.RawPacket.Tests.Packets.TestPackets6;

namespace Convey.RawPacket.Tests.Engine;

public class NetlinkNeighboursTests
{
    [Fact]
    public void A_dump_yields_the_usable_IPv6_neighbours_with_their_interface_and_mac_and_ends_at_done()
    {
        var dump = Message(28, Neighbour(10, 0x02, V6.Server1, [0x02, 0x00, 0xC6, 0x12, 0x01, 0x0B], interfaceIndex: 7))
            .Concat(Message(28, Neighbour(10, 0x20, V6.Server2, [0x02, 0x00, 0xC6, 0x12, 0x01, 0x0C]))) // FAILED
            .Concat(Message(28, Neighbour(10, 0x04, V6.Client, null))) // no link-layer address
            .Concat(Message(3, [0, 0, 0, 0]))
            .ToArray();
        var table = new List<(PacketAddress, int, ulong)>();

        Assert.True(NetlinkNeighbours.Parse(dump, table));

        Assert.Equal((V6.Server1, 7, 0x0200_C612_010BUL), Assert.Single(table));
    }

    [Fact]
    public void A_message_that_does_not_fit_the_receive_is_refused()
    {
        var message = Message(28, Neighbour(10, 0x02, V6.Server1, [1, 2, 3, 4, 5, 6]));
        BinaryPrimitives.WriteUInt32LittleEndian(message, 4096);

        Assert.Throws<IOException>(() => NetlinkNeighbours.Parse(message, []));
    }

    private static byte[] Message(ushort type, byte[] payload)
    {
        var message = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), type);
        payload.CopyTo(message, 16);
        return message;
    }

    private static byte[] Neighbour(byte family, ushort state, PacketAddress address, byte[]? mac, int interfaceIndex = 2)
    {
        var bytes = new List<byte>(new byte[12]);
        bytes[0] = family;
        bytes[4] = (byte)interfaceIndex;
        bytes[8] = (byte)state;
        bytes[9] = (byte)(state >> 8);
        var destination = new byte[16];
        address.WriteTo(destination);
        bytes.AddRange(Attribute(1, destination));
        if (mac is not null)
        {
            bytes.AddRange(Attribute(2, mac));
        }

        return [.. bytes];
    }

    private static byte[] Attribute(ushort type, byte[] value)
    {
        var attribute = new byte[(4 + value.Length + 3) & ~3];
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(attribute.AsSpan(2), type);
        value.CopyTo(attribute, 4);
        return attribute;
    }
}
