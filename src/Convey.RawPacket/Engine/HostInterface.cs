namespace Convey.RawPacket.Engine;

/// <summary>One network interface of the host, with what the engine chooses its receive interfaces by.</summary>
/// <param name="Name">The interface's name (<c>eth0</c>).</param>
/// <param name="Index">The kernel's interface index, which packet sockets bind to.</param>
/// <param name="Mtu">Its MTU: longer (offloaded) packets are cut to it when sent.</param>
/// <param name="IsLoopback">The loopback interface (<c>lo</c>).</param>
/// <param name="IsUp">Up and able to receive: operational state up, or unknown as dummy and tunnel devices report it.</param>
/// <param name="HasMaster">A port of a bridge or bond: the kernel delivers its packets on the master, not on it.</param>
internal sealed record HostInterface(string Name, int Index, int Mtu, bool IsLoopback, bool IsUp, bool HasMaster)
{
    /// <summary>Taken by default (no <c>interface</c> set): up, not loopback, not a port of a bridge or bond.</summary>
    public bool IsUplink => IsUp && !IsLoopback && !HasMaster;
}
