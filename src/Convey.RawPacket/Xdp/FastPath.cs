using System.ComponentModel;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// The in-kernel fast path of one interface: the map of established flows (<see cref="FastPathKey"/> →
/// <see cref="FastPathEntry"/>), which the steering program consults to leave such packets to the kernel, and the TC
/// program on the interface's tcx ingress that forwards them (<see cref="FastPathProgram"/>). The map exists from the
/// start, since the steering program refers to it; flows go into it only once the TC program is attached. Disposing
/// detaches the program and frees the map (once the steering program is gone too).
/// </summary>
internal sealed class FastPath : IDisposable
{
    private readonly BpfMap _flows;
    private BpfProgram? _program;
    private TcxLink? _link;
    private int _count;

    private FastPath(BpfMap flows, int capacity)
    {
        _flows = flows;
        Capacity = capacity;
    }

    /// <summary>The map's descriptor, for the steering program.</summary>
    public int MapFd => _flows.Fd;

    /// <summary>Most flow directions the map holds.</summary>
    public int Capacity { get; }

    /// <summary>The interface the TC program runs on, once attached.</summary>
    public int InterfaceIndex { get; private set; }

    /// <summary>Whether the TC program is attached, so entries are served.</summary>
    public bool IsAttached => _link is not null;

    /// <summary>The TC program's descriptor once loaded (tests run it on sample frames).</summary>
    internal int? ProgramFd => _program?.Fd;

    /// <summary>Entries in the map now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Creates the map for at most <paramref name="capacity"/> flow directions; its memory is taken per entry, not up front.</summary>
    /// <exception cref="Win32Exception">No BPF or no permission.</exception>
    public static FastPath Create(int capacity) =>
        new(BpfMap.Create(Libc.BPF_MAP_TYPE_HASH, FastPathKey.Size, FastPathEntry.Size, capacity, "convey_fast", Libc.BPF_F_NO_PREALLOC), capacity);

    /// <summary>Loads the TC program and attaches it to the ingress of <paramref name="interfaceIndex"/>; null when done, else why not.</summary>
    public string? Attach(int interfaceIndex)
    {
        try
        {
            _program = BpfProgram.LoadTcxIngress(FastPathProgram.Build(_flows.Fd), FastPathProgram.Name);
            _link = TcxLink.AttachIngress(_program, interfaceIndex);
            InterfaceIndex = interfaceIndex;
            return null;
        }
        catch (Win32Exception exception)
        {
            _program?.Dispose();
            _program = null;
            return exception.Message;
        }
    }

    /// <summary>Adds or replaces the entry of <paramref name="key"/>; false when the map is full or the kernel refused.</summary>
    public bool TryInstall(in FastPathKey key, in FastPathEntry entry)
    {
        if (Count >= Capacity)
        {
            return false;
        }

        try
        {
            _flows.Update(key, entry);
            Interlocked.Increment(ref _count);
            return true;
        }
        catch (Win32Exception)
        {
            // E2BIG (full), ENOMEM: the flow stays on the user-space path.
            return false;
        }
    }

    /// <summary>Removes the entry of <paramref name="key"/>: its packets go to the engine again.</summary>
    public void Remove(in FastPathKey key)
    {
        if (_flows.Delete(key))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>The entry of <paramref name="key"/> as the TC program left it (its counters).</summary>
    public bool TryRead(in FastPathKey key, out FastPathEntry entry) => _flows.TryGet(key, out entry);

    public void Dispose()
    {
        _link?.Dispose();
        _program?.Dispose();
        _flows.Dispose();
    }
}
