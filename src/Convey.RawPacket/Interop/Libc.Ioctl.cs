using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int Ioctl(SafeHandle fd, nuint request, void* argument);
}

/// <summary><c>struct ifreq</c> with its union as a pointer (what SIOCETHTOOL takes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct InterfaceRequest
{
    public fixed byte Name[16];
    public void* Data;
    public fixed byte Padding[16];
}

/// <summary><c>struct ethtool_channels</c> (ETHTOOL_GCHANNELS): the receive, transmit and combined queues of a device.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct EthtoolChannels
{
    public uint Command;
    public uint MaxReceive;
    public uint MaxTransmit;
    public uint MaxOther;
    public uint MaxCombined;
    public uint Receive;
    public uint Transmit;
    public uint Other;
    public uint Combined;
}
