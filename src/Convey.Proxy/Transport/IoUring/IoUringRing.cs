using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Convey.Proxy.Interop;
using static Convey.Proxy.Interop.IoUringAbi;
using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Transport.IoUring;

/// <summary>
/// One io_uring instance mapped into the process: the submission queue the loop writes entries into and the
/// completion queue it reads results from, both shared with the kernel without a copy. Entries are only written
/// here; the kernel sees them at the next <see cref="SubmitAndWait"/>, so a whole loop iteration's work goes in
/// with one <c>io_uring_enter</c>. Created with <c>SINGLE_ISSUER | DEFER_TASKRUN</c>: only the creating thread
/// submits, and completions are posted only while it waits in <c>io_uring_enter</c>, in batches, instead of
/// interrupting it. Data a submission points at (a socket address, a timeout) must live until the kernel has
/// read it at submission: <see cref="Scratch"/> hands out such memory, valid until the next submission.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class IoUringRing : IDisposable
{
    private const uint SetupFlags = SetupCqSize | SetupSubmitAll | SetupSingleIssuer | SetupDeferTaskRun;
    private const uint RequiredFeatures = FeatSingleMmap | FeatNoDrop | FeatFastPoll;
    private const int ScratchSize = 16 * 1024;
    private readonly int _descriptor;
    private readonly nint _rings;
    private readonly nuint _ringsLength;
    private readonly nint _sqes;
    private readonly nuint _sqesLength;
    private readonly uint* _sqHead;
    private readonly uint* _sqTail;
    private readonly uint* _sqFlags;
    private readonly uint _sqMask;
    private readonly uint _sqEntries;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly byte* _cqes;
    private readonly byte* _scratch;
    private int _scratchUsed;
    private uint _sqLocalTail;
    private uint _cqLocalHead;
    private bool _disposed;

    private IoUringRing(int descriptor, byte* parameters)
    {
        _descriptor = descriptor;
        _sqEntries = Read(parameters, ParamsSqEntries);
        var cqEntries = Read(parameters, ParamsCqEntries);
        var sqLength = Read(parameters, SqOffArray) + (_sqEntries * sizeof(uint));
        var cqLength = Read(parameters, CqOffCqes) + (cqEntries * CqeSize);
        _ringsLength = Math.Max(sqLength, cqLength);
        _rings = Map(descriptor, _ringsLength, OffSqRing);
        _sqesLength = _sqEntries * SqeSize;
        try
        {
            _sqes = Map(descriptor, _sqesLength, OffSqes);
        }
        catch
        {
            Native.Munmap(_rings, _ringsLength);
            throw;
        }

        var rings = (byte*)_rings;
        _sqHead = (uint*)(rings + Read(parameters, SqOffHead));
        _sqTail = (uint*)(rings + Read(parameters, SqOffTail));
        _sqFlags = (uint*)(rings + Read(parameters, SqOffFlags));
        _sqMask = *(uint*)(rings + Read(parameters, SqOffRingMask));
        _cqHead = (uint*)(rings + Read(parameters, CqOffHead));
        _cqTail = (uint*)(rings + Read(parameters, CqOffTail));
        _cqMask = *(uint*)(rings + Read(parameters, CqOffRingMask));
        _cqes = rings + Read(parameters, CqOffCqes);

        // Submission slot i always names entry i: the array is written once.
        var array = (uint*)(rings + Read(parameters, SqOffArray));
        for (uint i = 0; i < _sqEntries; i++)
        {
            array[i] = i;
        }

        _sqLocalTail = *_sqTail;
        _cqLocalHead = *_cqHead;
        _scratch = (byte*)NativeMemory.AlignedAlloc(ScratchSize, 64);
    }

    /// <summary>The ring's descriptor (for <c>io_uring_register</c>).</summary>
    public int Descriptor => _descriptor;

    /// <summary>Entries written since the last submission.</summary>
    public uint Unsubmitted => _sqLocalTail - Volatile.Read(ref *_sqHead);

    /// <summary>True when the kernel holds completions the completion queue had no room for (they come with the next wait).</summary>
    public bool CompletionsOverflowed => (Volatile.Read(ref *_sqFlags) & SqCqOverflow) != 0;

    /// <summary>
    /// Sets up a ring of <paramref name="entries"/> submission and <paramref name="completions"/> completion entries;
    /// throws <see cref="Win32Exception"/> (errno) when the kernel refuses or lacks a feature the transport needs.
    /// </summary>
    public static IoUringRing Create(uint entries, uint completions)
    {
        var parameters = stackalloc byte[ParamsSize];
        new Span<byte>(parameters, ParamsSize).Clear();
        *(uint*)(parameters + ParamsCqEntries) = completions;
        *(uint*)(parameters + ParamsFlags) = SetupFlags;
        var descriptor = (int)Native.Syscall(Native.SysIoUringSetup, entries, (long)parameters, 0, 0, 0, 0);
        if (descriptor < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new Win32Exception(errno, $"io_uring_setup failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }

        try
        {
            var features = Read(parameters, ParamsFeatures);
            if ((features & RequiredFeatures) != RequiredFeatures)
            {
                throw new Win32Exception(Errno.ENOSYS, $"the kernel's io_uring lacks features the transport needs (features 0x{features:x}, needs 0x{RequiredFeatures:x})");
            }

            return new IoUringRing(descriptor, parameters);
        }
        catch
        {
            Native.Close(descriptor);
            throw;
        }
    }

    /// <summary>
    /// Writes one submission entry (zero fields stay zero). Flushes the queue to the kernel first when it is full;
    /// a chain of linked entries reserves its room with <see cref="Reserve"/> first so that no flush splits it.
    /// </summary>
    public void Prepare(
        byte opcode,
        int descriptor,
        ulong userData,
        ulong address = 0,
        uint length = 0,
        ulong offset = 0,
        uint opFlags = 0,
        byte flags = 0,
        ushort ioPriority = 0,
        ushort bufferGroup = 0)
    {
        Reserve(1);
        var sqe = (byte*)_sqes + ((_sqLocalTail & _sqMask) * SqeSize);
        new Span<byte>(sqe, SqeSize).Clear();
        sqe[SqeOpcode] = opcode;
        sqe[SqeFlags] = flags;
        *(ushort*)(sqe + SqeIoPriority) = ioPriority;
        *(int*)(sqe + SqeDescriptor) = descriptor;
        *(ulong*)(sqe + SqeOffset) = offset;
        *(ulong*)(sqe + SqeAddress) = address;
        *(uint*)(sqe + SqeLength) = length;
        *(uint*)(sqe + SqeOpFlags) = opFlags;
        *(ulong*)(sqe + SqeUserData) = userData;
        *(ushort*)(sqe + SqeBufferGroup) = bufferGroup;
        _sqLocalTail++;
    }

    /// <summary>Makes room for <paramref name="count"/> entries, submitting what is queued when there is not.</summary>
    public void Reserve(int count)
    {
        while (_sqEntries - (_sqLocalTail - Volatile.Read(ref *_sqHead)) < (uint)count)
        {
            var result = SubmitAndWait(0);
            if (result < 0 && result != -Errno.EINTR)
            {
                throw new Win32Exception(-result, $"io_uring_enter failed while the submission queue was full (errno {-result})");
            }
        }
    }

    /// <summary>
    /// Memory for data a submission points at, valid until the entries written now are submitted; submits what is
    /// queued first when the area is used up.
    /// </summary>
    public byte* Scratch(int size)
    {
        size = (size + 15) & ~15;
        if (_scratchUsed + size > ScratchSize)
        {
            Reserve((int)_sqEntries);
        }

        var memory = _scratch + _scratchUsed;
        _scratchUsed += size;
        return memory;
    }

    /// <summary>
    /// Submits every entry written so far and, with <paramref name="minComplete"/> above 0, sleeps until that many
    /// completions are ready; then the completions can be taken. Returns the kernel's result (a negative errno on failure).
    /// </summary>
    public int SubmitAndWait(uint minComplete)
    {
        Volatile.Write(ref *_sqTail, _sqLocalTail);
        var result = Native.Syscall(Native.SysIoUringEnter, _descriptor, Unsubmitted, minComplete, EnterGetEvents, 0, 0);
        if (Unsubmitted == 0)
        {
            _scratchUsed = 0;
        }

        return result < 0 ? -Marshal.GetLastPInvokeError() : (int)result;
    }

    /// <summary>Takes the next completion, if there is one.</summary>
    public bool TryTakeCompletion(out ulong userData, out int result, out uint flags)
    {
        if (_cqLocalHead == Volatile.Read(ref *_cqTail))
        {
            userData = 0;
            result = 0;
            flags = 0;
            return false;
        }

        var cqe = _cqes + ((_cqLocalHead & _cqMask) * CqeSize);
        userData = *(ulong*)cqe;
        result = *(int*)(cqe + 8);
        flags = *(uint*)(cqe + 12);
        _cqLocalHead++;
        Volatile.Write(ref *_cqHead, _cqLocalHead);
        return true;
    }

    /// <summary>io_uring_register(2); a negative errno on failure.</summary>
    public int Register(uint opcode, void* argument, uint count)
    {
        var result = Native.Syscall(Native.SysIoUringRegister, _descriptor, opcode, (long)argument, count, 0, 0);
        return result < 0 ? -Marshal.GetLastPInvokeError() : (int)result;
    }

    /// <summary>The first opcode of <paramref name="opcodes"/> the kernel does not support, or null when it supports all.</summary>
    public byte? FindUnsupported(ReadOnlySpan<byte> opcodes)
    {
        const int Ops = 256;
        var size = ProbeHeaderSize + (Ops * ProbeOpSize);
        var probe = (byte*)NativeMemory.AllocZeroed((nuint)size);
        try
        {
            var result = Register(RegisterProbe, probe, Ops);
            if (result < 0)
            {
                throw new Win32Exception(-result, $"IORING_REGISTER_PROBE failed (errno {-result})");
            }

            var count = probe[1];
            foreach (var opcode in opcodes)
            {
                var entry = probe + ProbeHeaderSize + (opcode * ProbeOpSize);
                if (opcode >= count || (*(ushort*)(entry + 2) & ProbeOpSupported) == 0)
                {
                    return opcode;
                }
            }

            return null;
        }
        finally
        {
            NativeMemory.Free(probe);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Native.Munmap(_sqes, _sqesLength);
        Native.Munmap(_rings, _ringsLength);
        Native.Close(_descriptor);
        NativeMemory.AlignedFree(_scratch);
    }

    private static uint Read(byte* parameters, int offset) => *(uint*)(parameters + offset);

    private static nint Map(int descriptor, nuint length, long offset)
    {
        var address = Native.Mmap(0, length, Native.ProtReadWrite, Native.MapSharedPopulate, descriptor, offset);
        if (address == -1)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new Win32Exception(errno, $"mmap of the io_uring rings failed (errno {errno})");
        }

        return address;
    }
}
