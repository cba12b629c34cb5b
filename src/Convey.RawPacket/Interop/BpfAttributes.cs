using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

// The parts of union bpf_attr (linux/bpf.h) the XDP path passes to bpf(2), one struct per command. The kernel
// accepts a shorter attr than its own as long as every field it knows beyond ours would be zero.

/// <summary><c>bpf_attr</c> for BPF_MAP_CREATE.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BpfMapCreateAttributes
{
    public uint MapType;
    public uint KeySize;
    public uint ValueSize;
    public uint MaxEntries;
    public uint MapFlags;
    public uint InnerMapFd;
    public uint NumaNode;
    public fixed byte Name[16];
}

/// <summary><c>bpf_attr</c> for BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM and BPF_MAP_GET_NEXT_KEY.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfMapElementAttributes
{
    public uint MapFd;
    public uint Padding;
    public ulong Key;

    /// <summary>The value, or for BPF_MAP_GET_NEXT_KEY the next key.</summary>
    public ulong Value;
    public ulong Flags;
}

/// <summary><c>bpf_attr</c> for BPF_PROG_LOAD.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BpfProgramLoadAttributes
{
    public uint ProgramType;
    public uint InstructionCount;
    public ulong Instructions;
    public ulong License;
    public uint LogLevel;
    public uint LogSize;
    public ulong LogBuffer;
    public uint KernelVersion;
    public uint ProgramFlags;
    public fixed byte Name[16];
    public uint InterfaceIndex;
    public uint ExpectedAttachType;
}

/// <summary><c>bpf_attr</c> for BPF_LINK_CREATE.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfLinkCreateAttributes
{
    public uint ProgramFd;
    public uint TargetInterfaceIndex;
    public uint AttachType;
    public uint Flags;
}
