using System.Numerics;

namespace Convey.RawPacket.Tracking;

/// <summary>
/// Hands out the NAT source ports (<see cref="FirstPort"/>–<see cref="LastPort"/>) used towards one server, so
/// a port is never held by two live flows to it. The search starts at a random point and rotates through the
/// range, so a port is reused as late as possible (a restarted balancer does not start again at the bottom,
/// where the server may still hold the previous run's connections in TIME_WAIT). A caller may prefer a port
/// (the client's own): the client's kernel already avoids reusing its ports too early, and the server then
/// sees the same 4-tuples the kernel's own NAT would give it.
/// </summary>
internal sealed class NatPortAllocator
{
    /// <summary>First NAT port.</summary>
    public const ushort FirstPort = 32768;

    /// <summary>Last NAT port.</summary>
    public const ushort LastPort = 61000;

    /// <summary>How many ports the range holds.</summary>
    public const int PortCount = LastPort - FirstPort + 1;

    private readonly object _lock = new();
    private readonly ulong[] _used = new ulong[(PortCount + 63) / 64];
    private int _next;
    private int _inUse;

    /// <summary>Creates an allocator whose first search starts at a random port.</summary>
    public NatPortAllocator()
        : this(Random.Shared.Next(PortCount))
    {
    }

    /// <summary>Creates an allocator whose first search starts at offset <paramref name="start"/> of the range.</summary>
    public NatPortAllocator(int start)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(start, PortCount);
        _next = start;
    }

    /// <summary>Ports held now.</summary>
    public int InUse => Volatile.Read(ref _inUse);

    /// <summary>Whether <paramref name="port"/> is held by a live flow.</summary>
    public bool IsInUse(ushort port)
    {
        lock (_lock)
        {
            var offset = port - FirstPort;
            return offset is >= 0 and < PortCount && (_used[offset >> 6] & (1UL << offset)) != 0;
        }
    }

    /// <summary>Takes the next free port after the last one handed out; false when all are held.</summary>
    public bool TryAllocate(out ushort port) => TryAllocate(0, out port);

    /// <summary>
    /// Takes <paramref name="preferred"/> when it is in the range and free (as the kernel's NAT keeps a client's
    /// source port when it can), otherwise the next free port after the last one handed out; false when all are held.
    /// </summary>
    public bool TryAllocate(ushort preferred, out ushort port)
    {
        lock (_lock)
        {
            var wanted = preferred - FirstPort;
            if (wanted is >= 0 and < PortCount && (_used[wanted >> 6] & (1UL << wanted)) == 0)
            {
                _used[wanted >> 6] |= 1UL << wanted;
                _inUse++;
                port = preferred;
                return true;
            }

            if (_inUse == PortCount)
            {
                port = 0;
                return false;
            }

            var offset = FindFreeFrom(_next);
            if (offset < 0)
            {
                offset = FindFreeFrom(0);
            }

            _used[offset >> 6] |= 1UL << offset;
            _inUse++;
            _next = offset + 1 == PortCount ? 0 : offset + 1;
            port = (ushort)(FirstPort + offset);
            return true;
        }
    }

    /// <summary>Gives a port back; freeing a port that is not held does nothing.</summary>
    public void Free(ushort port)
    {
        var offset = port - FirstPort;
        if (offset is < 0 or >= PortCount)
        {
            return;
        }

        lock (_lock)
        {
            var mask = 1UL << offset;
            if ((_used[offset >> 6] & mask) != 0)
            {
                _used[offset >> 6] &= ~mask;
                _inUse--;
            }
        }
    }

    private int FindFreeFrom(int start)
    {
        for (var word = start >> 6; word < _used.Length; word++)
        {
            var free = ~_used[word];
            if (word == start >> 6)
            {
                free &= ulong.MaxValue << (start & 63);
            }

            if (free != 0)
            {
                var offset = (word << 6) + BitOperations.TrailingZeroCount(free);
                return offset < PortCount ? offset : -1;
            }
        }

        return -1;
    }
}
