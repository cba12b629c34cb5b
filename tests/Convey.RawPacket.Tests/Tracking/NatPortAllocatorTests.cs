using Convey.RawPacket.Tracking;

namespace Convey.RawPacket.Tests.Tracking;

public class NatPortAllocatorTests
{
    [Fact]
    public void No_port_is_held_twice_over_a_million_allocations_with_random_frees()
    {
        var allocator = new NatPortAllocator();
        var live = new HashSet<ushort>();
        var held = new List<ushort>();
        var random = new Random(42);

        for (var i = 0; i < 1_000_000; i++)
        {
            if (held.Count > 0 && (held.Count >= 20_000 || random.Next(2) == 0))
            {
                var at = random.Next(held.Count);
                var port = held[at];
                held[at] = held[^1];
                held.RemoveAt(held.Count - 1);
                live.Remove(port);
                allocator.Free(port);
            }
            else
            {
                var preferred = random.Next(2) == 0 ? (ushort)random.Next(30_000, 62_000) : (ushort)0;
                Assert.True(allocator.TryAllocate(preferred, out var port));
                Assert.InRange(port, NatPortAllocator.FirstPort, NatPortAllocator.LastPort);
                Assert.True(live.Add(port), $"port {port} handed out while still held");
                held.Add(port);
            }
        }

        Assert.Equal(live.Count, allocator.InUse);
    }

    [Fact]
    public void A_full_range_refuses_and_recovers_after_a_free()
    {
        var allocator = new NatPortAllocator(0);
        for (var i = 0; i < NatPortAllocator.PortCount; i++)
        {
            Assert.True(allocator.TryAllocate(out _));
        }

        Assert.False(allocator.TryAllocate(out _));
        allocator.Free(40000);
        Assert.True(allocator.TryAllocate(out var port));
        Assert.Equal(40000, port);
    }

    [Fact]
    public void Freed_ports_are_not_reused_before_the_range_has_rotated()
    {
        var allocator = new NatPortAllocator(0);
        Assert.True(allocator.TryAllocate(out var first));
        allocator.Free(first);

        Assert.True(allocator.TryAllocate(out var second));

        Assert.Equal(first + 1, second);
    }

    [Fact]
    public void Separate_runs_start_at_different_places_in_the_range()
    {
        var starts = new HashSet<ushort>();
        for (var i = 0; i < 20; i++)
        {
            Assert.True(new NatPortAllocator().TryAllocate(out var port));
            starts.Add(port);
        }

        Assert.True(starts.Count > 10, "every run started at the same port");
    }

    [Fact]
    public void A_preferred_port_is_taken_when_free_and_never_twice()
    {
        var allocator = new NatPortAllocator(0);

        Assert.True(allocator.TryAllocate(45000, out var first));
        Assert.True(allocator.TryAllocate(45000, out var second));
        Assert.True(allocator.TryAllocate(1000, out var outOfRange));

        Assert.Equal(45000, first);
        Assert.NotEqual(45000, second);
        Assert.InRange(outOfRange, NatPortAllocator.FirstPort, NatPortAllocator.LastPort);
        Assert.Equal(3, allocator.InUse);
    }
}
