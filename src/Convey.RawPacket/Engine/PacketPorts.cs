using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Engine;

/// <summary>Opens the ports of one receive group, one per worker, on the path its plan asks for.</summary>
internal static class PacketPorts
{
    /// <summary>How long a port waits for packets before its worker looks at the clock and its stop flag again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>One port per worker of <paramref name="plan"/>; all of them or none (what was opened is closed on failure).</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">A system call failed (often: missing CAP_NET_RAW).</exception>
    /// <exception cref="System.Net.Sockets.SocketException">A raw socket could not be opened.</exception>
    public static IPacketPort[] Open(ReceiveGroupPlan plan, SocketFilterInstruction[] filter, NextHopTable nextHops)
    {
        // Until the AF_XDP path exists, auto means AF_PACKET; validation refuses af_xdp.
        var workers = plan.Workers;
        var fanout = workers > 1 ? (ushort)Random.Shared.Next(1, ushort.MaxValue) : (ushort)0;
        var ports = new List<IPacketPort>(workers);
        try
        {
            for (var i = 0; i < workers; i++)
            {
                ports.Add(AfPacketPort.Open(plan.InterfaceIndex, filter, fanout, PollInterval, nextHops));
            }

            return [.. ports];
        }
        catch
        {
            foreach (var port in ports)
            {
                port.Dispose();
            }

            throw;
        }
    }
}
