using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// One of an AF_XDP socket's four rings, mapped from the kernel: a power-of-two array of entries with a producer
/// and a consumer index. This process produces on the fill and transmit rings and consumes from the receive and
/// completion rings. The indices are free-running 32-bit counters; the kernel reads what we publish with release
/// semantics (<see cref="Volatile.Write(ref uint, uint)"/>) and we read its index with acquire semantics.
/// Used by one thread.
/// </summary>
internal sealed unsafe class XskRing : IDisposable
{
    private readonly void* _map;
    private readonly nuint _mapLength;
    private readonly uint* _producer;
    private readonly uint* _consumer;
    private readonly uint* _flags;
    private readonly byte* _entries;
    private readonly uint _mask;
    private readonly int _entrySize;
    private uint _local;
    private uint _cached;

    private XskRing(void* map, nuint mapLength, XdpRingOffset offsets, uint size, int entrySize, bool producer)
    {
        _map = map;
        _mapLength = mapLength;
        _producer = (uint*)((byte*)map + offsets.Producer);
        _consumer = (uint*)((byte*)map + offsets.Consumer);
        _flags = (uint*)((byte*)map + offsets.Flags);
        _entries = (byte*)map + offsets.Descriptors;
        Size = size;
        _mask = size - 1;
        _entrySize = entrySize;
        // The kernel starts both indices at 0; a producer ring starts with every slot free.
        _local = producer ? *_producer : *_consumer;
        _cached = producer ? *_consumer + size : *_producer;
    }

    /// <summary>Entries the ring holds.</summary>
    public uint Size { get; }

    /// <summary>Whether the kernel asks for a system call before it looks at this ring again (XDP_USE_NEED_WAKEUP).</summary>
    public bool NeedsWakeup => (Volatile.Read(ref *_flags) & Libc.XDP_RING_NEED_WAKEUP) != 0;

    /// <summary>Maps the ring at <paramref name="pageOffset"/> of <paramref name="socket"/>.</summary>
    public static XskRing Map(SafeHandle socket, long pageOffset, XdpRingOffset offsets, uint size, int entrySize, bool producer)
    {
        var length = (nuint)(offsets.Descriptors + ((ulong)size * (ulong)entrySize));
        var map = Libc.Mmap(null, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, socket, pageOffset);
        if (map == (void*)-1)
        {
            var error = Marshal.GetLastPInvokeError();
            throw new Win32Exception(error, $"mmap of an AF_XDP ring failed: {Marshal.GetPInvokeErrorMessage(error)}");
        }

        return new XskRing(map, length, offsets, size, entrySize, producer);
    }

    /// <summary>Producer side: entries handed to the kernel that it has not consumed yet.</summary>
    public uint Pending => _local - Volatile.Read(ref *_consumer);

    /// <summary>Producer side: slots free for writing, up to <paramref name="wanted"/> (re-reads the kernel's consumer index only when short).</summary>
    public uint Free(uint wanted)
    {
        var free = _cached - _local;
        if (free >= wanted)
        {
            return wanted;
        }

        _cached = Volatile.Read(ref *_consumer) + Size;
        free = _cached - _local;
        return Math.Min(free, wanted);
    }

    /// <summary>Consumer side: entries ready for reading, up to <paramref name="wanted"/>.</summary>
    public uint Ready(uint wanted)
    {
        var ready = _cached - _local;
        if (ready == 0)
        {
            _cached = Volatile.Read(ref *_producer);
            ready = _cached - _local;
        }

        return Math.Min(ready, wanted);
    }

    /// <summary>The <paramref name="index"/>-th entry after the local index, as a UMEM address (fill and completion rings).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref ulong Address(uint index) => ref *(ulong*)(_entries + ((nuint)((_local + index) & _mask) * (nuint)_entrySize));

    /// <summary>The <paramref name="index"/>-th entry after the local index, as a frame descriptor (receive and transmit rings).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref XdpDescriptor Descriptor(uint index) => ref *(XdpDescriptor*)(_entries + ((nuint)((_local + index) & _mask) * (nuint)_entrySize));

    /// <summary>Producer side: hands <paramref name="count"/> written entries to the kernel.</summary>
    public void Submit(uint count)
    {
        _local += count;
        Volatile.Write(ref *_producer, _local);
    }

    /// <summary>Consumer side: gives <paramref name="count"/> read entries back to the kernel.</summary>
    public void Release(uint count)
    {
        _local += count;
        Volatile.Write(ref *_consumer, _local);
    }

    public void Dispose() => Libc.Munmap(_map, _mapLength);
}
