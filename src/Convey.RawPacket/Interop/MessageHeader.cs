using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

/// <summary><c>struct msghdr</c> (64-bit Linux layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MessageHeader
{
    public void* Name;
    public uint NameLength;
    public IOVector* Vectors;
    public nuint VectorCount;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary><c>struct iovec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IOVector
{
    public void* Base;
    public nuint Length;
}

/// <summary><c>struct cmsghdr</c> (64-bit Linux layout); the data follows at offset 16.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ControlMessageHeader
{
    public nuint Length;
    public int Level;
    public int Type;
}

/// <summary><c>struct tpacket_auxdata</c>: what PACKET_AUXDATA reports about each received packet.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PacketAuxData
{
    public uint Status;
    public uint Length;
    public uint SnapLength;
    public ushort MacOffset;
    public ushort NetworkOffset;
    public ushort VlanTci;
    public ushort VlanTpid;
}

/// <summary><c>struct sock_filter</c>: one classic BPF instruction.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct SocketFilterInstruction(ushort Code, byte JumpTrue, byte JumpFalse, uint Constant);

/// <summary><c>struct sock_fprog</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SocketFilterProgram
{
    public ushort Length;
    public SocketFilterInstruction* Instructions;
}

/// <summary><c>struct timeval</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeValue
{
    public long Seconds;
    public long Microseconds;
}
