using System.ComponentModel;
using System.Net.NetworkInformation;
using Convey.RawPacket.Interop;
using Convey.RawPacket.Xdp;
using Microsoft.Extensions.Logging;

namespace Convey.RawPacket.Engine;

/// <summary>Opens the ports of one receive group, one per worker, on the path its plan asks for.</summary>
internal static partial class PacketPorts
{
    /// <summary>How long a port waits for packets before its worker looks at the clock and its stop flag again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The ports of <paramref name="plan"/>, all of them or none (what was opened is closed on failure): with
    /// <c>auto</c> and <c>af_xdp</c> one AF_XDP port per receive queue of the interface; with <c>af_packet</c>, or
    /// <c>auto</c> where XDP does not work (logged), one AF_PACKET port per worker.
    /// </summary>
    /// <exception cref="Win32Exception">A system call failed (often: missing CAP_NET_RAW).</exception>
    /// <exception cref="System.Net.Sockets.SocketException">A raw socket could not be opened.</exception>
    /// <exception cref="InvalidOperationException"><c>af_xdp</c> was asked for and cannot run on the interface; the message says why.</exception>
    public static IPacketPort[] Open(ReceiveGroupPlan plan, string interfaceName, SocketFilterInstruction[] filter, NextHopTable nextHops, ILogger logger)
    {
        if (plan.PacketPath != PacketPath.AfPacket && IsLoopback(interfaceName))
        {
            // Loopback frames carry no link layer an XDP program and its sockets can serve, and a program on lo
            // stalls every local TCP connection: loopback stays on AF_PACKET.
            if (plan.PacketPath == PacketPath.AfXdp)
            {
                throw new InvalidOperationException(
                    $"AF_XDP does not serve the loopback interface {interfaceName}; set packet_path = \"auto\" (AF_PACKET on loopback) or \"af_packet\"");
            }

            LogXdpUnavailable(logger, interfaceName, "loopback is served on AF_PACKET");
        }
        else if (plan.PacketPath != PacketPath.AfPacket)
        {
            try
            {
                var sockets = XdpPorts.Open(plan, nextHops, PollInterval, out var description);
                LogXdpAttached(logger, interfaceName, description);
                return sockets;
            }
            catch (Exception exception) when (exception is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
            {
                if (plan.PacketPath == PacketPath.AfXdp)
                {
                    throw new InvalidOperationException(
                        $"AF_XDP does not work on {interfaceName}: {exception.Message}; set packet_path = \"auto\" (AF_PACKET where AF_XDP fails) or \"af_packet\"", exception);
                }

                LogXdpUnavailable(logger, interfaceName, exception.Message);
            }
        }

        var workers = plan.Workers;
        var fanout = workers > 1 ? (ushort)Random.Shared.Next(1, ushort.MaxValue) : (ushort)0;
        var ports = new List<IPacketPort>(workers);
        try
        {
            for (var i = 0; i < workers; i++)
            {
                ports.Add(AfPacketPort.Open(plan.InterfaceIndex, plan.Mtu, filter, fanout, PollInterval, nextHops));
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

    private static bool IsLoopback(string interfaceName) =>
        NetworkInterface.GetAllNetworkInterfaces().Any(nic => nic.Name == interfaceName && nic.NetworkInterfaceType == NetworkInterfaceType.Loopback);

    [LoggerMessage(EventId = PacketLogEvents.XdpAttached, EventName = nameof(PacketLogEvents.XdpAttached), Level = LogLevel.Information, Message = "AF_XDP on {Interface}: {Description}")]
    private static partial void LogXdpAttached(ILogger logger, string @interface, string description);

    [LoggerMessage(EventId = PacketLogEvents.XdpUnavailable, EventName = nameof(PacketLogEvents.XdpUnavailable), Level = LogLevel.Warning, Message = "AF_XDP does not work on {Interface}, using AF_PACKET (packet_path = \"auto\"): {Reason}")]
    private static partial void LogXdpUnavailable(ILogger logger, string @interface, string reason);
}
