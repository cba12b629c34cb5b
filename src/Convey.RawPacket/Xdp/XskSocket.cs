using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// An AF_XDP socket on one receive queue of an interface, with its own UMEM (the frames, shared with the kernel)
/// and four rings: the kernel takes empty frames from the fill ring, puts received ones on the receive ring,
/// sends what we put on the transmit ring and returns sent frames on the completion ring. A received frame is
/// handled in place and either sent from where it lies or given back; nothing is copied or allocated per frame.
/// Every frame is always in exactly one place: the kernel's hands, a ring, or this socket's free list.
/// Used by one thread (the queue's worker).
/// </summary>
internal sealed unsafe class XskSocket : IDisposable
{
    /// <summary>Bytes per frame (one page: room for a 1500-byte MTU frame plus headroom, and up to 3.5 kB frames).</summary>
    public const int FrameSize = 4096;

    /// <summary>Entries of each ring.</summary>
    public const uint RingSize = 2048;

    /// <summary>Frames of the UMEM: enough to keep the fill ring full while the transmit ring is full too.</summary>
    public const int FrameCount = (int)RingSize * 2;

    /// <summary>Transmit kicks per batch at most: in copy mode the kernel sends 32 frames per system call.</summary>
    private const int MaxKicks = 16;

    private readonly FileDescriptorHandle _handle;
    private readonly byte* _umem;
    private readonly ulong[] _free = new ulong[FrameCount];
    private int _freeCount;
    private XskRing? _fill, _completion, _receive, _transmit;
    private uint _received;
    private uint _queuedForTransmit;
    private uint _inFlight;

    private XskSocket(FileDescriptorHandle handle, byte* umem)
    {
        _handle = handle;
        _umem = umem;
    }

    /// <summary>The socket's descriptor, for the XSKMAP entry of its queue.</summary>
    public int Fd => _handle.Fd;

    /// <summary>The interface and queue the socket is bound to.</summary>
    public (int InterfaceIndex, int Queue) Binding { get; private init; }

    /// <summary>Whether the driver moves frames to and from the UMEM without copying (else copy mode).</summary>
    public bool ZeroCopy { get; private set; }

    /// <summary>Frames sent to the kernel and not yet given back (for tests and drain).</summary>
    public int FramesInTransmit => (int)_inFlight;

    /// <summary>Frames on this socket's free list now (for tests: every frame comes back).</summary>
    public int FreeFrames => _freeCount;

    /// <summary>Opens a socket on queue <paramref name="queue"/> of interface <paramref name="interfaceIndex"/>.</summary>
    /// <param name="interfaceIndex">The interface.</param>
    /// <param name="queue">The receive queue (and transmit queue) to bind.</param>
    /// <param name="copyOnly">Copy mode even if the driver offers zero-copy (generic XDP needs it).</param>
    /// <exception cref="Win32Exception">A system call failed (no AF_XDP in the kernel, no permission, no such queue).</exception>
    public static XskSocket Open(int interfaceIndex, int queue, bool copyOnly)
    {
        var fd = Libc.Socket(Libc.AF_XDP, Libc.SOCK_RAW, 0);
        if (fd < 0)
        {
            throw LastError("socket(AF_XDP)");
        }

        var umem = (byte*)NativeMemory.AlignedAlloc((nuint)FrameCount * FrameSize, FrameSize);
        NativeMemory.Clear(umem, (nuint)FrameCount * FrameSize);
        var socket = new XskSocket(new FileDescriptorHandle(fd), umem) { Binding = (interfaceIndex, queue) };
        try
        {
            socket.SetUp(interfaceIndex, queue, copyOnly);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for received frames; false on timeout.</summary>
    public bool WaitForReceive(int timeoutMilliseconds)
    {
        if (_receive!.Ready(1) > 0)
        {
            return true;
        }

        var poll = new PollDescriptor { Fd = Fd, Events = Libc.POLLIN };
        var result = Libc.Poll(&poll, 1, timeoutMilliseconds);
        if (result < 0 && Marshal.GetLastPInvokeError() != Libc.EINTR)
        {
            throw LastError("poll(AF_XDP)");
        }

        return result > 0;
    }

    /// <summary>Takes up to <paramref name="max"/> received frames; read them with <see cref="Frame"/>, then end the batch with <see cref="Complete"/>.</summary>
    public uint Receive(uint max)
    {
        _received = _receive!.Ready(max);
        return _received;
    }

    /// <summary>The <paramref name="index"/>-th received frame of the batch: its bytes (with room behind them up to the frame's end) and its UMEM address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Frame(uint index, out ulong address, out int length)
    {
        ref var descriptor = ref _receive!.Descriptor(index);
        address = descriptor.Address;
        length = (int)descriptor.Length;
        var room = FrameSize - (int)(address & (FrameSize - 1));
        return new Span<byte>(_umem + address, room);
    }

    /// <summary>The UMEM address of <paramref name="data"/>'s first byte; false when it does not lie in this socket's UMEM.</summary>
    public bool TryLocate(ReadOnlySpan<byte> data, out ulong address)
    {
        fixed (byte* pointer = data)
        {
            address = (ulong)(pointer - _umem);
            return pointer >= _umem && address + (ulong)data.Length <= (ulong)FrameCount * FrameSize;
        }
    }

    /// <summary>The bytes from UMEM <paramref name="address"/> to the end of its frame.</summary>
    public Span<byte> At(ulong address) => new(_umem + address, FrameSize - (int)(address & (FrameSize - 1)));

    /// <summary>Takes a free frame for a packet that was not received in one (returned with <see cref="Transmit"/> or <see cref="Recycle"/>); false when none is free.</summary>
    public bool TryTakeFrame(out ulong address)
    {
        if (_freeCount == 0)
        {
            ReapCompletions();
        }

        if (_freeCount == 0)
        {
            address = 0;
            return false;
        }

        address = _free[--_freeCount];
        return true;
    }

    /// <summary>Queues <paramref name="length"/> bytes at UMEM <paramref name="address"/> (a received frame) for sending; false (frame given back) when the transmit ring is full.</summary>
    public bool Transmit(ulong address, int length)
    {
        if (_transmit!.Free(_queuedForTransmit + 1) <= _queuedForTransmit)
        {
            Recycle(address);
            return false;
        }

        ref var descriptor = ref _transmit.Descriptor(_queuedForTransmit);
        descriptor.Address = address;
        descriptor.Length = (uint)length;
        descriptor.Options = 0;
        _queuedForTransmit++;
        return true;
    }

    /// <summary>Gives a received frame back without sending it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Recycle(ulong address) => _free[_freeCount++] = address & ~(ulong)(FrameSize - 1);

    /// <summary>
    /// Ends a batch: releases the received entries, hands queued frames to the kernel and wakes it to send them,
    /// takes sent frames back from the completion ring and refills the fill ring.
    /// </summary>
    public void Complete()
    {
        if (_received > 0)
        {
            _receive!.Release(_received);
            _received = 0;
        }

        if (_queuedForTransmit > 0)
        {
            _transmit!.Submit(_queuedForTransmit);
            _inFlight += _queuedForTransmit;
            _queuedForTransmit = 0;
        }

        if (_inFlight > 0)
        {
            KickTransmit();
            ReapCompletions();
        }

        Refill();
    }

    public void Dispose()
    {
        _handle.Dispose();
        _fill?.Dispose();
        _completion?.Dispose();
        _receive?.Dispose();
        _transmit?.Dispose();
        NativeMemory.AlignedFree(_umem);
    }

    private void SetUp(int interfaceIndex, int queue, bool copyOnly)
    {
        var registration = new XdpUmemRegistration { Address = (ulong)_umem, Length = (ulong)FrameCount * FrameSize, ChunkSize = FrameSize };
        SetOption(Libc.XDP_UMEM_REG, &registration, sizeof(XdpUmemRegistration), "XDP_UMEM_REG");
        var size = (int)RingSize;
        SetOption(Libc.XDP_UMEM_FILL_RING, &size, sizeof(int), "XDP_UMEM_FILL_RING");
        SetOption(Libc.XDP_UMEM_COMPLETION_RING, &size, sizeof(int), "XDP_UMEM_COMPLETION_RING");
        SetOption(Libc.XDP_RX_RING, &size, sizeof(int), "XDP_RX_RING");
        SetOption(Libc.XDP_TX_RING, &size, sizeof(int), "XDP_TX_RING");

        XdpMmapOffsets offsets;
        var length = sizeof(XdpMmapOffsets);
        if (Libc.GetSockOpt(_handle, Libc.SOL_XDP, Libc.XDP_MMAP_OFFSETS, &offsets, &length) != 0)
        {
            throw LastError("getsockopt(XDP_MMAP_OFFSETS)");
        }

        _fill = XskRing.Map(_handle, Libc.XDP_UMEM_PGOFF_FILL_RING, offsets.Fill, RingSize, sizeof(ulong), producer: true);
        _completion = XskRing.Map(_handle, Libc.XDP_UMEM_PGOFF_COMPLETION_RING, offsets.Completion, RingSize, sizeof(ulong), producer: false);
        _receive = XskRing.Map(_handle, Libc.XDP_PGOFF_RX_RING, offsets.Receive, RingSize, sizeof(XdpDescriptor), producer: false);
        _transmit = XskRing.Map(_handle, Libc.XDP_PGOFF_TX_RING, offsets.Transmit, RingSize, sizeof(XdpDescriptor), producer: true);

        for (var frame = 0; frame < FrameCount; frame++)
        {
            _free[frame] = (ulong)frame * FrameSize;
        }

        _freeCount = FrameCount;
        Refill();

        var address = new SockAddrXdp
        {
            Family = Libc.AF_XDP,
            Flags = (ushort)(Libc.XDP_USE_NEED_WAKEUP | (copyOnly ? Libc.XDP_COPY : 0)),
            InterfaceIndex = (uint)interfaceIndex,
            QueueId = (uint)queue,
        };
        if (Libc.Bind(_handle, &address, sizeof(SockAddrXdp)) != 0)
        {
            throw LastError($"bind(AF_XDP) to queue {queue} of interface {interfaceIndex}");
        }

        uint options = 0;
        length = sizeof(uint);
        ZeroCopy = Libc.GetSockOpt(_handle, Libc.SOL_XDP, Libc.XDP_OPTIONS, &options, &length) == 0 && (options & Libc.XDP_OPTIONS_ZEROCOPY) != 0;
    }

    private void Refill()
    {
        var fill = _fill!;
        var count = fill.Free((uint)_freeCount);
        for (uint i = 0; i < count; i++)
        {
            fill.Address(i) = _free[--_freeCount];
        }

        if (count > 0)
        {
            fill.Submit(count);
        }

        if (fill.NeedsWakeup)
        {
            // Zero-copy drivers stop receiving when the fill ring ran dry until told there are frames again.
            var poll = new PollDescriptor { Fd = Fd, Events = Libc.POLLIN };
            Libc.Poll(&poll, 1, 0);
        }
    }

    private void KickTransmit()
    {
        for (var kick = 0; kick < MaxKicks && _transmit!.Pending > 0 && _transmit.NeedsWakeup; kick++)
        {
            if (Libc.SendTo(_handle, null, 0, Libc.MSG_DONTWAIT, null, 0) < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                // EAGAIN: the kernel sent a batch and wants another call; ENOBUFS, EBUSY, ENETDOWN: try again next batch.
                if (error != Libc.EAGAIN)
                {
                    return;
                }
            }
        }
    }

    private void ReapCompletions()
    {
        var completion = _completion!;
        var count = completion.Ready(_inFlight);
        for (uint i = 0; i < count; i++)
        {
            Recycle(completion.Address(i));
        }

        if (count > 0)
        {
            completion.Release(count);
            _inFlight -= count;
        }
    }

    private void SetOption(int name, void* value, int length, string what)
    {
        if (Libc.SetSockOpt(_handle, Libc.SOL_XDP, name, value, length) != 0)
        {
            throw LastError($"setsockopt({what})");
        }
    }

    private static Win32Exception LastError(string call)
    {
        var error = Marshal.GetLastPInvokeError();
        return new Win32Exception(error, $"{call} failed: {Marshal.GetPInvokeErrorMessage(error)}");
    }
}
