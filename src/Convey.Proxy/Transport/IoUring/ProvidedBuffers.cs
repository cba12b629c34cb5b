using System.Buffers;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using static Convey.Proxy.Interop.IoUringAbi;

namespace Convey.Proxy.Transport.IoUring;

/// <summary>
/// A provided buffer ring (<c>IORING_REGISTER_PBUF_RING</c>): a pool of equal buffers the kernel picks from when
/// data arrives on a socket with a receive armed, so a connection that has nothing to read holds no buffer. A
/// buffer leaves the ring with a completion that names it, is lent to the relay, sent from as it is, and only
/// then returned (<see cref="Recycle"/>). Buffers a socket received but nobody has taken yet are chained per
/// socket through <see cref="Next"/>, which keeps the queue of a connection free of allocations.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class ProvidedBuffers : MemoryManager<byte>
{
    /// <summary>The group id receives name (one group per ring).</summary>
    public const ushort Group = 0;

    private readonly byte* _memory;
    private readonly byte* _ring;
    private readonly int[] _next;
    private readonly int[] _length;
    private readonly ushort _mask;
    private ushort _tail;
    private bool _freed;

    public ProvidedBuffers(IoUringRing ring, int count, int bufferSize)
    {
        if (count is < 1 or > 32768 || (count & (count - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A power of two up to 32768.");
        }

        Count = count;
        BufferSize = bufferSize;
        _mask = (ushort)(count - 1);
        _next = new int[count];
        _length = new int[count];
        _ring = (byte*)NativeMemory.AlignedAlloc((nuint)(count * BufSize), 4096);
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)count * (nuint)bufferSize, 4096);
        new Span<byte>(_ring, count * BufSize).Clear();

        var registration = stackalloc byte[BufRegSize];
        new Span<byte>(registration, BufRegSize).Clear();
        *(ulong*)registration = (ulong)_ring;
        *(uint*)(registration + 8) = (uint)count;
        *(ushort*)(registration + 12) = Group;
        var result = ring.Register(RegisterPbufRing, registration, 1);
        if (result < 0)
        {
            Free();
            throw new Win32Exception(-result, $"IORING_REGISTER_PBUF_RING failed (errno {-result})");
        }

        for (var id = 0; id < count; id++)
        {
            Add(id);
        }

        Publish();
    }

    public int Count { get; }

    public int BufferSize { get; }

    /// <summary>Buffers handed out by completions and not recycled yet.</summary>
    public int Lent { get; private set; }

    /// <summary>The next buffer in a socket's queue, -1 for none.</summary>
    public ref int Next(int id) => ref _next[id];

    /// <summary>The bytes a completion put in buffer <paramref name="id"/>.</summary>
    public ref int Length(int id) => ref _length[id];

    /// <summary>Notes that the kernel filled buffer <paramref name="id"/> (a completion named it).</summary>
    public void OnTaken(int id, int length)
    {
        Lent++;
        _length[id] = length;
        _next[id] = -1;
    }

    /// <summary>The bytes of buffer <paramref name="id"/>, from <paramref name="offset"/> on.</summary>
    public Memory<byte> Slice(int id, int offset, int length) => Memory.Slice((id * BufferSize) + offset, length);

    public Span<byte> Span(int id, int offset, int length) => new(_memory + (id * BufferSize) + offset, length);

    /// <summary>Gives buffer <paramref name="id"/> back to the kernel.</summary>
    public void Recycle(int id)
    {
        if (_freed)
        {
            return;
        }

        Lent--;
        Add(id);
        Publish();
    }

    public override Span<byte> GetSpan() => new(_memory, Count * BufferSize);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_memory + elementIndex);

    public override void Unpin()
    {
        // Native memory never moves.
    }

    protected override void Dispose(bool disposing) => Free();

    private void Add(int id)
    {
        var entry = _ring + ((_tail & _mask) * BufSize);
        *(ulong*)entry = (ulong)(_memory + ((nint)id * BufferSize));
        *(uint*)(entry + 8) = (uint)BufferSize;
        *(ushort*)(entry + 12) = (ushort)id;
        _tail++;
    }

    private void Publish() => Volatile.Write(ref *(ushort*)(_ring + BufRingTail), _tail);

    private void Free()
    {
        if (_freed)
        {
            return;
        }

        _freed = true;
        NativeMemory.AlignedFree(_ring);
        NativeMemory.AlignedFree(_memory);
    }
}
