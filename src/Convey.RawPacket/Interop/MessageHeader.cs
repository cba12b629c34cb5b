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
