using System.Net.NetworkInformation;
using Convey.RawPacket.Engine;

namespace Convey.RawPacket.Xdp;

/// <summary>
/// Opens the AF_XDP path of one receive group: the steering program on the plan's interface (native XDP where the
/// driver has it, generic otherwise), one <see cref="XdpPort"/> per receive queue, so that no queue's served
/// traffic falls through to the kernel, and unless the plan turns it off (<c>fast_path = false</c>) the in-kernel fast
/// path for established flows (<see cref="FastPath"/>); where its TC program cannot attach, the path runs without it
/// and the description says why.
/// </summary>
internal static class XdpPorts
{
    /// <summary>One port per receive queue of the plan's interface, the steering program attached and serving the plan.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The kernel refused (no BPF or AF_XDP, no permission, another XDP program on the interface).</exception>
    /// <exception cref="InvalidOperationException">The interface is gone or has no Ethernet address.</exception>
    public static IPacketPort[] Open(ReceiveGroupPlan plan, NextHopTable nextHops, TimeSpan pollInterval, out string description)
    {
        var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.GetIPProperties().GetIPv4Properties()?.Index == plan.InterfaceIndex)
            ?? throw new InvalidOperationException($"interface {plan.InterfaceIndex} is gone");
        var mac = nic.GetPhysicalAddress().GetAddressBytes();
        if (mac.Length != 6)
        {
            throw new InvalidOperationException($"{nic.Name} has no Ethernet address: AF_XDP forwards on Ethernet interfaces only");
        }

        var sourceMac = mac.Aggregate(0UL, (value, octet) => (value << 8) | octet);
        var queues = Xdp.ReceiveQueues.Of(nic.Name);
        var fastPath = plan.FastPath ? FastPath.Create(MaxFastPathEntries(plan)) : null;
        var steering = XdpSteering.Attach(plan.InterfaceIndex, queues, fastPath: fastPath);
        var flows = plan.Pipeline.FastPath;
        var ports = new List<IPacketPort>(queues);
        try
        {
            for (var queue = 0; queue < queues; queue++)
            {
                var socket = XskSocket.Open(plan.InterfaceIndex, queue, copyOnly: steering.Mode == XdpAttachMode.Generic);
                try
                {
                    ports.Add(new XdpPort(socket, queue == 0 ? steering : null, nextHops, sourceMac, pollInterval, fastPath, flows));
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                steering.SetSocket(queue, socket.Fd);
            }

            steering.Serve(KeysOf(plan));
            var zeroCopy = ports.Cast<XdpPort>().All(p => p.ZeroCopy);
            description = $"XDP {(steering.Mode == XdpAttachMode.Native ? "native" : "generic")} mode, {(zeroCopy ? "zero-copy" : "copy mode")}, {queues} queue(s), "
                + AttachFastPath(fastPath, plan.InterfaceIndex, flows);
            return [.. ports];
        }
        catch
        {
            foreach (var port in ports)
            {
                port.Dispose();
            }

            if (ports.Count == 0)
            {
                steering.Dispose();
            }

            throw;
        }
    }

    /// <summary>Flow directions the fast path holds: both of every flow the tracker can hold.</summary>
    private static int MaxFastPathEntries(ReceiveGroupPlan plan) => (int)Math.Min(2L * plan.Pipeline.Tracker.Capacity, int.MaxValue);

    private static string AttachFastPath(FastPath? fastPath, int interfaceIndex, FastPathFlows flows)
    {
        if (fastPath is null)
        {
            return "no TC fast path (fast_path = false)";
        }

        var failure = fastPath.Attach(interfaceIndex);
        if (failure is not null)
        {
            return $"no TC fast path, every packet through user space ({failure}; the fast path needs Linux 6.6+ for tcx links)";
        }

        flows.OnAttached();
        return "TC fast path for established IPv4 flows";
    }

    /// <summary>What the steering program must hand to the engine for <paramref name="plan"/>: each frontend, and the NAT range on each NAT address.</summary>
    public static List<SteeringKey> KeysOf(ReceiveGroupPlan plan) =>
        [.. plan.Ports.Select(p => SteeringKey.Frontend(p.Address, p.Port)), .. plan.NatAddresses.Select(SteeringKey.NatReplies)];
}
