using Convey.Metrics;
using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Convey.RawPacket.Tests.Engine;

public class PacketMetricsTests
{
    [Fact]
    public async Task Packet_counters_are_published_on_conveys_meter()
    {
        using var metrics = ConveyMetrics.CreateStandalone(TestRuntime.CreateRuntime());
        await using var engine = new PacketEngine(NullLogger<PacketEngine>.Instance, TimeProvider.System, metrics);
        using var packets = new MetricCollector<long>(metrics.Meter, "convey.packet.packets");
        using var drops = new MetricCollector<long>(metrics.Meter, "convey.packet.drops");
        engine.Counters.OnReceived(60);
        engine.Counters.OnReceived(60);
        engine.Counters.OnSent(60);
        engine.Counters.OnDropped(DropReason.NotTcp);

        packets.RecordObservableInstruments();
        drops.RecordObservableInstruments();

        var received = packets.GetMeasurementSnapshot().Single(m => Equals(m.Tags["network.io.direction"], "receive"));
        Assert.Equal(2, received.Value);
        var notTcp = drops.GetMeasurementSnapshot().Single(m => Equals(m.Tags["convey.packet.drop_reason"], nameof(DropReason.NotTcp)));
        Assert.Equal(1, notTcp.Value);
    }
}
