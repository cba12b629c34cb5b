using Convey.Core.Tests.Runtime;
using Convey.Forwarding;
using Convey.Health;
using Convey.Metrics;
using Convey.Runtime;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Metrics;

public sealed class ConveyMetricsTests : IDisposable
{
    private readonly ConveyRuntime _runtime = CreateRuntime();
    private readonly TestMeterFactory _meters = new();
    private readonly ConveyMetrics _metrics;

    public ConveyMetricsTests()
    {
        _metrics = CreateMetrics(_runtime, _meters);
        _runtime.Apply(Web(Server("a", 8001, weight: 3), Server("b", 8002)));
        _runtime.PassFirstProbes();
    }

    private FrontendState Front => _runtime.Current.Frontends["front"];

    private BackendPool Pool => _runtime.Current.Pools["web"];

    private ServerState A => Pool.Servers.Single(s => s.Name == "a");

    [Fact]
    public void Meter_is_named_Convey_and_comes_from_the_factory()
    {
        Assert.Equal("Convey", _metrics.Meter.Name);
        Assert.Same(_meters, _metrics.Meter.Scope);
    }

    [Theory]
    [InlineData("convey.frontend.active_connections", "{connection}")]
    [InlineData("convey.frontend.connections", "{connection}")]
    [InlineData("convey.frontend.refused_connections", "{connection}")]
    [InlineData("convey.frontend.connect_failures", "{connection}")]
    [InlineData("convey.frontend.retries", "{connection}")]
    [InlineData("convey.frontend.io", "By")]
    [InlineData("convey.server.active_connections", "{connection}")]
    [InlineData("convey.server.connections", "{connection}")]
    [InlineData("convey.server.connect_failures", "{connection}")]
    [InlineData("convey.server.io", "By")]
    [InlineData("convey.server.healthy", "1")]
    [InlineData("convey.server.weight", "1")]
    [InlineData("convey.server.health_transitions", "{transition}")]
    [InlineData("convey.config.reloads", "{reload}")]
    public void Instruments_have_OpenTelemetry_units(string name, string unit)
    {
        using var collector = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, name);

        Assert.Equal(unit, collector.Instrument!.Unit);
    }

    [Fact]
    public void Frontend_connection_counters_are_read_from_the_live_frontend()
    {
        using var active = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.frontend.active_connections");
        using var total = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.frontend.connections");
        using var refused = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.frontend.refused_connections");
        Front.OnConnectionOpened();
        Front.OnConnectionOpened();
        Front.OnConnectionClosed();
        Front.OnConnectionRefused();

        active.RecordObservableInstruments();
        total.RecordObservableInstruments();
        refused.RecordObservableInstruments();

        Assert.Equal(1, active.LastMeasurement!.Value);
        Assert.Equal(2, total.LastMeasurement!.Value);
        Assert.Equal(1, refused.LastMeasurement!.Value);
        Assert.Equal("front", active.LastMeasurement.Tags[ConveyMetricTags.Frontend]);
    }

    [Fact]
    public void Frontend_connect_failures_and_retries_are_read_from_the_live_frontend()
    {
        using var failures = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.frontend.connect_failures");
        using var retries = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.frontend.retries");
        Front.OnConnectFailure();
        Front.OnConnectFailure();
        Front.OnRetry();

        failures.RecordObservableInstruments();
        retries.RecordObservableInstruments();

        Assert.Equal(2, failures.LastMeasurement!.Value);
        Assert.Equal(1, retries.LastMeasurement!.Value);
    }

    [Fact]
    public void Frontend_bytes_are_reported_per_direction()
    {
        using var io = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.frontend.io");
        Front.AddBytesToServer(10);
        Front.AddBytesToClient(20);

        io.RecordObservableInstruments();

        var byDirection = io.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags[ConveyMetricTags.NetworkIoDirection]!, m => m.Value);
        Assert.Equal(10, byDirection["receive"]);
        Assert.Equal(20, byDirection["transmit"]);
    }

    [Fact]
    public void Server_counters_carry_pool_address_and_port()
    {
        using var total = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.server.connections");
        using var failures = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.server.connect_failures");
        using var io = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.server.io");
        A.OnConnectionOpened();
        A.AddBytesToServer(7);
        A.AddBytesToClient(9);
        Pool.ReportConnectFailure(A);

        total.RecordObservableInstruments();
        failures.RecordObservableInstruments();
        io.RecordObservableInstruments();

        var a = total.GetMeasurementSnapshot().Single(m => m.Tags[ConveyMetricTags.ServerPort] is 8001);
        Assert.Equal(1, a.Value);
        Assert.Equal("web", a.Tags[ConveyMetricTags.Pool]);
        Assert.Equal("127.0.0.1", a.Tags[ConveyMetricTags.ServerAddress]);
        Assert.Equal(1, failures.GetMeasurementSnapshot().Single(m => m.Tags[ConveyMetricTags.ServerPort] is 8001).Value);
        var aBytes = io.GetMeasurementSnapshot().Where(m => m.Tags[ConveyMetricTags.ServerPort] is 8001)
            .ToDictionary(m => (string)m.Tags[ConveyMetricTags.NetworkIoDirection]!, m => m.Value);
        Assert.Equal(9, aBytes["receive"]);
        Assert.Equal(7, aBytes["transmit"]);
    }

    [Fact]
    public void Server_health_and_weight_gauges_follow_the_live_state()
    {
        using var healthy = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.server.healthy");
        using var weight = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.server.weight");
        A.SetHealthy(false);

        healthy.RecordObservableInstruments();
        weight.RecordObservableInstruments();

        Assert.Equal(0, healthy.GetMeasurementSnapshot().Single(m => m.Tags[ConveyMetricTags.ServerPort] is 8001).Value);
        Assert.Equal(1, healthy.GetMeasurementSnapshot().Single(m => m.Tags[ConveyMetricTags.ServerPort] is 8002).Value);
        Assert.Equal(3, weight.GetMeasurementSnapshot().Single(m => m.Tags[ConveyMetricTags.ServerPort] is 8001).Value);
    }

    [Fact]
    public void Observations_follow_reloads()
    {
        using var total = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.server.connections");
        _runtime.Apply(Web(Server("c", 8003)));

        total.RecordObservableInstruments();

        Assert.Equal([8003], total.GetMeasurementSnapshot().Select(m => (int)m.Tags[ConveyMetricTags.ServerPort]!));
    }

    [Fact]
    public void Health_transitions_and_reloads_are_counted_with_their_tags()
    {
        using var transitions = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.server.health_transitions");
        using var reloads = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.config.reloads");

        _metrics.RecordHealthTransition(Pool, A, healthy: false, HealthTransitionSource.Passive);
        _metrics.RecordReloadApplied();
        _metrics.RecordReloadRefused();
        _metrics.RecordReloadRefused();

        var transition = Assert.Single(transitions.GetMeasurementSnapshot());
        Assert.Equal("down", transition.Tags[ConveyMetricTags.HealthState]);
        Assert.Equal("passive", transition.Tags[ConveyMetricTags.HealthSource]);
        Assert.Equal(8001, transition.Tags[ConveyMetricTags.ServerPort]);
        Assert.Equal(["applied", "refused", "refused"], reloads.GetMeasurementSnapshot().Select(m => (string)m.Tags[ConveyMetricTags.ReloadResult]!));
    }

    [Fact]
    public void Connection_duration_is_recorded_in_seconds_per_frontend_and_pool()
    {
        using var duration = new MetricCollector<double>(_meters, ConveyMetrics.MeterName, "convey.connection.duration");

        _metrics.RecordConnectionDuration(Front, TimeSpan.FromMilliseconds(1500));

        Assert.Equal("s", duration.Instrument!.Unit);
        var measurement = Assert.Single(duration.GetMeasurementSnapshot());
        Assert.Equal(1.5, measurement.Value);
        Assert.Equal("front", measurement.Tags[ConveyMetricTags.Frontend]);
        Assert.Equal("web", measurement.Tags[ConveyMetricTags.Pool]);
    }

    [Fact]
    public void Standalone_metrics_own_and_dispose_their_meter()
    {
        var standalone = ConveyMetrics.CreateStandalone(_runtime);
        using var duration = new MetricCollector<double>(standalone.Meter, "convey.connection.duration");
        standalone.RecordConnectionDuration(Front, TimeSpan.FromSeconds(1));

        standalone.Dispose();
        standalone.RecordConnectionDuration(Front, TimeSpan.FromSeconds(1));

        Assert.Single(duration.GetMeasurementSnapshot());
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _meters.Dispose();
    }
}
