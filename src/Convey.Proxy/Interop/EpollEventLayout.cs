using System.Runtime.InteropServices;

namespace Convey.Proxy.Interop;

/// <summary>
/// The native <c>struct epoll_event</c>: a 32-bit event mask followed by 64 bits of user data. The kernel packs
/// it on x86-64 (12 bytes, data at offset 4) and aligns it elsewhere (16 bytes, data at offset 8), so it is read
/// and written through these offsets rather than a managed struct.
/// </summary>
internal static class EpollEventLayout
{
    /// <summary>Readable (<c>EPOLLIN</c>).</summary>
    public const uint In = 0x001;

    /// <summary>Writable (<c>EPOLLOUT</c>).</summary>
    public const uint Out = 0x004;

    /// <summary>An error is pending (<c>EPOLLERR</c>).</summary>
    public const uint Error = 0x008;

    /// <summary>Both directions are closed (<c>EPOLLHUP</c>).</summary>
    public const uint HangUp = 0x010;

    /// <summary>The peer ended its send direction (<c>EPOLLRDHUP</c>).</summary>
    public const uint ReadHangUp = 0x2000;

    /// <summary>Edge-triggered: reported once per change, not while the condition lasts (<c>EPOLLET</c>).</summary>
    public const uint EdgeTriggered = 0x8000_0000;

    /// <summary>Size of one event in an array.</summary>
    public static readonly int Size = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    /// <summary>Offset of the user data within an event.</summary>
    public static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    public static void Write(Span<byte> @event, uint events, ulong data)
    {
        MemoryMarshal.Write(@event, events);
        MemoryMarshal.Write(@event[DataOffset..], data);
    }

    public static uint ReadEvents(ReadOnlySpan<byte> events, int index) =>
        MemoryMarshal.Read<uint>(events[(index * Size)..]);

    public static ulong ReadData(ReadOnlySpan<byte> events, int index) =>
        MemoryMarshal.Read<ulong>(events[((index * Size) + DataOffset)..]);
}
