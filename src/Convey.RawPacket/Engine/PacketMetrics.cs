using System.Diagnostics.Metrics;
using Convey.Metrics;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The packet engine's observable instruments on Convey's meter (<c>convey.packet.*</c>): they read the engine's
/// counters at collection time, so the packet path only increments plain counters.
/// </summary>
internal static class PacketMetrics
{
    private const string DropReasonTag = "convey.packet.drop_reason";
    private static readonly DropReason[] Reasons = Enum.GetValues<DropReason>();

    public static void Register(Meter meter, PacketEngine engine)
    {
        var counters = engine.Counters;
        meter.CreateObservableCounter("convey.packet.packets", () => new[]
        {
            new Measurement<long>(counters.PacketsIn, new KeyValuePair<string, object?>(ConveyMetricTags.NetworkIoDirection, "receive")),
            new Measurement<long>(counters.PacketsOut, new KeyValuePair<string, object?>(ConveyMetricTags.NetworkIoDirection, "transmit")),
        }, "{packet}", "Packets received for passthrough and DSR frontends, and sent on after rewriting.");
        meter.CreateObservableCounter("convey.packet.io", () => new[]
        {
            new Measurement<long>(counters.BytesReceived, new KeyValuePair<string, object?>(ConveyMetricTags.NetworkIoDirection, "receive")),
            new Measurement<long>(counters.BytesSent, new KeyValuePair<string, object?>(ConveyMetricTags.NetworkIoDirection, "transmit")),
        }, "By", "Bytes of the packets received and sent by the packet engine (IP headers included).");
        meter.CreateObservableCounter("convey.packet.drops",
            () => Reasons.Select(r => new Measurement<long>(counters.DroppedFor(r), new KeyValuePair<string, object?>(DropReasonTag, r.ToString()))),
            "{packet}", "Packets dropped by the packet engine, by reason (convey.packet.drop_reason).");
        meter.CreateObservableUpDownCounter("convey.packet.flows.tracked", () => (long)engine.TrackedFlows,
            "{flow}", "Flows in the packet engine's connection tracker now.");
        meter.CreateObservableCounter("convey.packet.flows.created", () => counters.FlowsCreated,
            "{flow}", "Flows the packet engine started tracking.");
        meter.CreateObservableCounter("convey.packet.flows.evicted", () => engine.Evictions,
            "{flow}", "Flows forgotten because the tracker was full (least recently used first).");
        meter.CreateObservableCounter("convey.packet.flows.expired", () => engine.Expirations,
            "{flow}", "Flows forgotten after their idle timeout or closing linger.");
        meter.CreateObservableUpDownCounter("convey.packet.fast_path.flows", () => (long)engine.FastPathFlows,
            "{flow}", "Flow directions the AF_XDP path's in-kernel fast path forwards now.");
        meter.CreateObservableCounter("convey.packet.fast_path.packets", () => counters.ForwardedInKernel,
            "{packet}", "Packets the in-kernel fast path forwarded without passing through user space (read once a second).");
    }
}
