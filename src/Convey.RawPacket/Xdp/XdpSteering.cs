using System.ComponentModel;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// The steering program on one interface with its two maps: what the engine serves (<see cref="SteeringKey"/>s,
/// replaced by <see cref="Serve"/> on every reload without reattaching) and the AF_XDP socket of each receive queue.
/// Disposing detaches the program and frees the maps.
/// </summary>
internal sealed class XdpSteering : IDisposable
{
    /// <summary>Most keys the served map holds: frontends plus one per NAT address.</summary>
    public const int MaxServed = 16384;

    private readonly BpfMap _served;
    private readonly BpfMap _sockets;
    private readonly BpfProgram _program;
    private readonly XdpLink _link;
    private readonly HashSet<SteeringKey> _current = [];

    private XdpSteering(BpfMap served, BpfMap sockets, BpfProgram program, XdpLink link, int queues, FastPath? fastPath)
    {
        FastPath = fastPath;
        _served = served;
        _sockets = sockets;
        _program = program;
        _link = link;
        Queues = queues;
    }

    /// <summary>Where the program runs.</summary>
    public XdpAttachMode Mode => _link.Mode;

    /// <summary>The loaded program's descriptor (tests run it on sample frames with BPF_PROG_TEST_RUN).</summary>
    internal int ProgramFd => _program.Fd;

    /// <summary>The fast path whose map the program consults (owned and disposed with the program); null without.</summary>
    public FastPath? FastPath { get; }

    /// <summary>Receive queues that can have a socket (0 to Queues-1).</summary>
    public int Queues { get; }

    /// <summary>
    /// Loads the program and attaches it to interface <paramref name="interfaceIndex"/>: in the driver when it
    /// can (<paramref name="allowNative"/>), else in generic mode. With <paramref name="fastPath"/> (which it then owns),
    /// established flows in its map are left to the kernel's fast path.
    /// </summary>
    /// <exception cref="BpfVerifierException">The kernel's verifier refused the program.</exception>
    /// <exception cref="Win32Exception">No BPF, no permission, or another XDP program holds the interface.</exception>
    public static XdpSteering Attach(int interfaceIndex, int queues, bool allowNative = true, FastPath? fastPath = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queues, 1);
        BpfMap? served = null, sockets = null;
        BpfProgram? program = null;
        try
        {
            served = BpfMap.Create(Libc.BPF_MAP_TYPE_HASH, SteeringKey.Size, sizeof(uint), MaxServed, "convey_served");
            sockets = BpfMap.Create(Libc.BPF_MAP_TYPE_XSKMAP, sizeof(uint), sizeof(uint), queues, "convey_xsks");
            program = BpfProgram.LoadXdp(SteeringProgram.Build(served.Fd, sockets.Fd, fastPath?.MapFd), SteeringProgram.Name);
            var link = allowNative ? TryAttachNative(program, interfaceIndex) : null;
            link ??= XdpLink.Attach(program, interfaceIndex, XdpAttachMode.Generic);
            return new XdpSteering(served, sockets, program, link, queues, fastPath);
        }
        catch
        {
            program?.Dispose();
            sockets?.Dispose();
            served?.Dispose();
            fastPath?.Dispose();
            throw;
        }
    }

    /// <summary>Makes <paramref name="keys"/> exactly what is steered: adds the new ones first, then removes the rest.</summary>
    /// <exception cref="InvalidOperationException">More than <see cref="MaxServed"/> keys.</exception>
    public void Serve(IReadOnlyCollection<SteeringKey> keys)
    {
        if (keys.Count > MaxServed)
        {
            throw new InvalidOperationException($"The AF_XDP path steers at most {MaxServed} frontend ports and NAT addresses per interface, not {keys.Count}.");
        }

        foreach (var key in keys)
        {
            if (_current.Add(key))
            {
                _served.Update(key, 1u);
            }
        }

        foreach (var key in _current.Where(k => !keys.Contains(k)).ToList())
        {
            _served.Delete(key);
            _current.Remove(key);
        }
    }

    /// <summary>Whether frames for <paramref name="key"/> are steered now (as the kernel's map says).</summary>
    public bool IsServed(SteeringKey key) => _served.TryGet(key, out uint _);

    /// <summary>Sends the frames steered on <paramref name="queue"/> to the AF_XDP socket <paramref name="socketFd"/>.</summary>
    public void SetSocket(int queue, int socketFd) => _sockets.Update((uint)queue, (uint)socketFd);

    /// <summary>Frames steered on <paramref name="queue"/> go to the kernel again.</summary>
    public void ClearSocket(int queue) => _sockets.Delete((uint)queue);

    public void Dispose()
    {
        _link.Dispose();
        _program.Dispose();
        FastPath?.Dispose();
        _sockets.Dispose();
        _served.Dispose();
    }

    private static XdpLink? TryAttachNative(BpfProgram program, int interfaceIndex)
    {
        try
        {
            return XdpLink.Attach(program, interfaceIndex, XdpAttachMode.Native);
        }
        catch (Win32Exception exception) when (exception.NativeErrorCode != Libc.EBUSY)
        {
            // The driver has no native XDP (EOPNOTSUPP) or refuses it in its present set-up: generic mode works everywhere.
            return null;
        }
    }
}
