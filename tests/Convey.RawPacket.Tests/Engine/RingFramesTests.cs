using System.Buffers.Binary;
using Convey.RawPacket.Engine;

namespace Convey.RawPacket.Tests.Engine;

/// <summary>The walk over a TPACKET_V2 receive ring, on synthetic ring memory laid out as the kernel writes it.</summary>
public class RingFramesTests
{
    private const int FrameSize = 2048, Frames = 8, NetworkOffset = 80;
    private const uint User = 1, Copy = 2, ChecksumNotReady = 8;
    private const byte Outgoing = 4, Host = 0;

    [Fact]
    public void Ready_frames_are_taken_in_ring_order_up_to_the_first_frame_still_with_the_kernel()
    {
        var ring = Ring();
        Write(ring, 0, length: 60);
        Write(ring, 1, length: 1500, status: User | ChecksumNotReady);
        Write(ring, 3, length: 40);

        var batch = new RingPacket[16];
        var taken = RingFrames.Collect(ring, FrameSize, 0, batch, out var packets);

        Assert.Equal(2, taken);
        Assert.Equal(2, packets);
        Assert.Equal(new RingPacket(NetworkOffset, 60, 60, User), batch[0]);
        Assert.Equal(new RingPacket(FrameSize + NetworkOffset, 1500, 1500, User | ChecksumNotReady), batch[1]);
        Assert.Equal(0x45, ring[batch[1].Offset]);
    }

    [Fact]
    public void The_walk_wraps_at_the_end_of_the_ring()
    {
        var ring = Ring();
        Write(ring, Frames - 1, length: 60);
        Write(ring, 0, length: 61);

        var batch = new RingPacket[16];
        var taken = RingFrames.Collect(ring, FrameSize, Frames - 1, batch, out var packets);

        Assert.Equal(2, taken);
        Assert.Equal([61, 60], new[] { batch[1].Captured, batch[0].Captured });
        Assert.Equal(NetworkOffset, batch[1].Offset);
    }

    [Fact]
    public void No_more_frames_are_taken_than_the_batch_holds_nor_than_the_ring_has()
    {
        var ring = Ring();
        for (var i = 0; i < Frames; i++)
        {
            Write(ring, i, length: 60);
        }

        Assert.Equal(3, RingFrames.Collect(ring, FrameSize, 0, new RingPacket[3], out _));
        Assert.Equal(Frames, RingFrames.Collect(ring, FrameSize, 5, new RingPacket[64], out var packets));
        Assert.Equal(Frames, packets);
    }

    [Fact]
    public void An_outgoing_packet_is_taken_so_it_is_given_back_but_not_handed_over()
    {
        var ring = Ring();
        Write(ring, 0, length: 60, packetType: Outgoing);
        Write(ring, 1, length: 70);

        var batch = new RingPacket[16];
        var taken = RingFrames.Collect(ring, FrameSize, 0, batch, out var packets);

        Assert.Equal(2, taken);
        Assert.Equal(1, packets);
        Assert.Equal(70, batch[0].Captured);
    }

    [Fact]
    public void A_packet_the_kernel_delivers_for_a_device_stacked_on_this_one_is_taken_but_left_to_that_devices_group()
    {
        var ring = Ring();
        Write(ring, 0, length: 60, interfaceIndex: 7);
        Write(ring, 1, length: 70, interfaceIndex: 3);
        Write(ring, 2, length: 9000, captured: FrameSize - NetworkOffset, status: User | Copy, interfaceIndex: 7);

        var batch = new RingPacket[16];
        var taken = RingFrames.Collect(ring, FrameSize, 0, batch, out var packets, interfaceIndex: 3);

        Assert.Equal(3, taken);
        Assert.Equal(2, packets);
        Assert.Equal(70, batch[0].Captured);
        Assert.Equal(9000, batch[1].WireLength); // its copy waits in the queue: kept, so the queue stays in step
    }

    [Fact]
    public void The_walk_stops_after_a_frame_whose_whole_packet_waits_in_the_socket_queue()
    {
        var ring = Ring();
        Write(ring, 0, length: 60);
        Write(ring, 1, length: 9000, captured: FrameSize - NetworkOffset, status: User | Copy);
        Write(ring, 2, length: 60);

        var batch = new RingPacket[16];
        var taken = RingFrames.Collect(ring, FrameSize, 0, batch, out var packets);

        Assert.Equal(2, taken);
        Assert.Equal(2, packets);
        Assert.Equal(9000, batch[1].WireLength);
        Assert.Equal(FrameSize - NetworkOffset, batch[1].Captured);
    }

    [Theory]
    [InlineData(16, 60, 60)]                        // the packet would start inside the frame header
    [InlineData(NetworkOffset, FrameSize, FrameSize)] // it would run past the frame
    [InlineData(NetworkOffset, 100, 60)]             // more captured than it is long
    public void A_frame_header_that_points_outside_its_frame_yields_a_packet_cut_short_not_a_read_outside(int networkOffset, int captured, int length)
    {
        var ring = Ring();
        Write(ring, 0, length: length, captured: captured, networkOffset: networkOffset);

        var batch = new RingPacket[16];
        var taken = RingFrames.Collect(ring, FrameSize, 0, batch, out var packets);

        Assert.Equal(1, taken);
        Assert.Equal(1, packets);
        Assert.Equal(0, batch[0].Captured);
        Assert.True(batch[0].WireLength > batch[0].Captured);
    }

    [Fact]
    public void Released_frames_go_back_to_the_kernel_and_are_not_taken_again()
    {
        var ring = Ring();
        Write(ring, 0, length: 60);
        Write(ring, 1, length: 60);
        var batch = new RingPacket[16];
        var taken = RingFrames.Collect(ring, FrameSize, 0, batch, out _);

        RingFrames.Release(ring, FrameSize, 0, taken);

        Assert.Equal(0, RingFrames.Collect(ring, FrameSize, 0, batch, out var packets));
        Assert.Equal(0, packets);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(ring.AsSpan(FrameSize)));
    }

    [Fact]
    public void An_empty_ring_yields_nothing()
    {
        Assert.Equal(0, RingFrames.Collect(Ring(), FrameSize, 3, new RingPacket[16], out var packets));
        Assert.Equal(0, packets);
    }

    private static byte[] Ring() => new byte[FrameSize * Frames];

    /// <summary>Writes frame <paramref name="index"/> as the kernel does: struct tpacket2_hdr, sockaddr_ll at 32, the IPv4 packet at tp_net.</summary>
    private static void Write(
        byte[] ring, int index, int length, int? captured = null, uint status = User, byte packetType = Host, int networkOffset = NetworkOffset, int interfaceIndex = 3)
    {
        var frame = ring.AsSpan(index * FrameSize, FrameSize);
        var snap = captured ?? length;
        BinaryPrimitives.WriteUInt32LittleEndian(frame, status);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[8..], (uint)snap);
        BinaryPrimitives.WriteUInt16LittleEndian(frame[12..], (ushort)networkOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(frame[14..], (ushort)networkOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(frame[32..], 17); // sll_family = AF_PACKET
        BitConverter.TryWriteBytes(frame[36..], interfaceIndex); // sll_ifindex, in the host's byte order
        frame[32 + 10] = packetType;
        if (networkOffset < FrameSize)
        {
            frame[networkOffset] = 0x45;
        }
    }
}
