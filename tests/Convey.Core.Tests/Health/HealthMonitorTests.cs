using Convey.Configuration;
using Convey.Forwarding;
using Convey.Health;
using Convey.Metrics;
using Convey.Runtime;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Health;

public class HealthMonitorTests
{
    private static readonly HealthCheckConfig Defaults = new();
    private static readonly HealthCheckConfig Seed = new() { Rise = 1, Fall = 1 };

    [Fact]
    public async Task Server_goes_down_after_fall_consecutive_failed_probes()
    {
        await using var h = new MonitorHarness(Defaults, null, Server("a", 8001), Server("b", 8002));
        h.Answer("a", HealthProbeResult.Unhealthy("refused"));

        await h.RoundsAsync(Defaults.Fall - 1);
        Assert.True(h.Server("a").IsHealthy);

        await h.RoundAsync();
        Assert.False(h.Server("a").IsHealthy);
        Assert.True(h.Server("b").IsHealthy);
    }

    [Fact]
    public async Task One_passing_probe_brings_a_pending_server_up_whatever_rise()
    {
        await using var h = MonitorHarness.Arriving(new HealthCheckConfig { Rise = 5, Fall = 5 }, Server("a", 8001));
        Assert.Equal(ServerHealth.Pending, h.Server("a").Health);

        await h.RoundAsync();

        Assert.Equal(ServerHealth.Up, h.Server("a").Health);
        var record = Assert.Single(h.Logger.Collector.GetSnapshot());
        Assert.Equal("Pool web: server a (127.0.0.1:8001) is UP: first probe passed", record.Message);
    }

    [Fact]
    public async Task One_failed_probe_takes_a_pending_server_down_whatever_fall()
    {
        await using var h = MonitorHarness.Arriving(new HealthCheckConfig { Rise = 5, Fall = 5 }, Server("a", 8001));
        h.Answer("a", HealthProbeResult.Unhealthy("ConnectionRefused"));

        await h.RoundAsync();

        Assert.Equal(ServerHealth.Down, h.Server("a").Health);
        var record = Assert.Single(h.Logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Equal("Pool web: server a (127.0.0.1:8001) is DOWN: first probe failed: ConnectionRefused", record.Message);
    }

    [Fact]
    public async Task After_the_first_probe_rise_and_fall_apply()
    {
        var health = new HealthCheckConfig { Rise = 2, Fall = 2 };
        await using var h = MonitorHarness.Arriving(health, Server("a", 8001));
        h.Answer("a", HealthProbeResult.Unhealthy("refused"));
        await h.RoundAsync();
        h.Answer("a", HealthProbeResult.Healthy);

        await h.RoundAsync();
        Assert.Equal(ServerHealth.Down, h.Server("a").Health);
        await h.RoundAsync();
        Assert.Equal(ServerHealth.Up, h.Server("a").Health);

        h.Answer("a", HealthProbeResult.Unhealthy("refused"));
        await h.RoundAsync();
        Assert.Equal(ServerHealth.Up, h.Server("a").Health);
        await h.RoundAsync();
        Assert.Equal(ServerHealth.Down, h.Server("a").Health);
    }

    [Fact]
    public async Task Passive_failures_never_decide_a_pending_server()
    {
        await using var h = MonitorHarness.Arriving(Seed, Server("a", 8001));
        h.NeverAnswer("a");
        h.Monitor.Start();
        h.WaitForProbes(1);

        for (var i = 0; i < 5; i++)
        {
            h.Pool.ReportConnectFailure(h.Server("a"));
        }

        await h.ReportsAppliedAsync();
        Assert.Equal(ServerHealth.Pending, h.Server("a").Health);
        Assert.Equal(5, h.Server("a").ConnectFailures);
    }

    [Fact]
    public async Task Down_server_leaves_selection_at_once()
    {
        await using var h = new MonitorHarness(Seed, null, Server("a", 8001), Server("b", 8002));
        h.Answer("a", HealthProbeResult.Unhealthy("refused"));

        await h.RoundAsync();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("b", h.Pool.Select(default(FlowKey))!.Name);
        }
    }

    [Fact]
    public async Task A_successful_probe_between_failures_resets_the_fall_count()
    {
        await using var h = new MonitorHarness(Defaults, null, Server("a", 8001));
        h.Answer("a", HealthProbeResult.Unhealthy("refused"));
        await h.RoundsAsync(Defaults.Fall - 1);
        h.Answer("a", HealthProbeResult.Healthy);
        await h.RoundAsync();
        h.Answer("a", HealthProbeResult.Unhealthy("refused"));

        await h.RoundsAsync(Defaults.Fall - 1);

        Assert.True(h.Server("a").IsHealthy);
    }

    [Fact]
    public async Task Down_server_comes_back_after_rise_consecutive_successes()
    {
        await using var h = new MonitorHarness(Defaults, null, Server("a", 8001));
        h.Answer("a", HealthProbeResult.Unhealthy("refused"));
        await h.RoundsAsync(Defaults.Fall);
        h.Answer("a", HealthProbeResult.Healthy);

        await h.RoundsAsync(Defaults.Rise - 1);
        Assert.False(h.Server("a").IsHealthy);

        await h.RoundAsync();
        Assert.True(h.Server("a").IsHealthy);
        Assert.Equal("a", h.Pool.Select(default(FlowKey))!.Name);
    }

    [Fact]
    public async Task A_failure_while_rising_restarts_the_rise_count()
    {
        await using var h = new MonitorHarness(new HealthCheckConfig { Rise = 3, Fall = 1 }, null, Server("a", 8001));
        h.Answer("a", HealthProbeResult.Unhealthy("refused"));
        await h.RoundAsync();
        h.Answer("a", HealthProbeResult.Healthy);
        await h.RoundsAsync(2);
        h.Answer("a", HealthProbeResult.Unhealthy("refused"));
        await h.RoundAsync();
        h.Answer("a", HealthProbeResult.Healthy);

        await h.RoundsAsync(2);

        Assert.False(h.Server("a").IsHealthy);
    }

    [Fact]
    public async Task Rise_1_fall_1_flips_on_every_probe_like_the_seed()
    {
        await using var h = new MonitorHarness(Seed, null, Server("a", 8001));

        h.Answer("a", HealthProbeResult.Unhealthy("refused"));
        await h.RoundAsync();
        Assert.False(h.Server("a").IsHealthy);

        h.Answer("a", HealthProbeResult.Healthy);
        await h.RoundAsync();
        Assert.True(h.Server("a").IsHealthy);
    }

    [Fact]
    public async Task Probe_that_never_completes_counts_as_failure_after_the_timeout()
    {
        var health = new HealthCheckConfig { Rise = 1, Fall = 1, Timeout = TimeSpan.FromSeconds(2) };
        await using var h = new MonitorHarness(health, null, Server("a", 8001));
        h.NeverAnswer("a");

        var round = h.RoundAsync();
        h.Time.Advance(health.Timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(round.IsCompleted);
        Assert.True(h.Server("a").IsHealthy);

        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        await round.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(h.Server("a").IsHealthy);
        Assert.Contains(h.Logger.Collector.GetSnapshot(), r => r.Message.Contains("no answer within 2 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Probe_token_is_cancelled_at_the_timeout()
    {
        var health = new HealthCheckConfig { Timeout = TimeSpan.FromSeconds(1) };
        await using var h = new MonitorHarness(health, null, Server("a", 8001));
        CancellationToken seen = default;
        h.Answer("a", token =>
        {
            seen = token;
            return new ValueTask<HealthProbeResult>(new TaskCompletionSource<HealthProbeResult>().Task);
        });

        var round = h.RoundAsync();
        Assert.False(seen.IsCancellationRequested);
        h.Time.Advance(health.Timeout);
        await round.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(seen.IsCancellationRequested);
    }

    [Fact]
    public async Task Probe_that_throws_counts_as_failure()
    {
        await using var h = new MonitorHarness(Seed, null, Server("a", 8001));
        h.Answer("a", _ => throw new InvalidOperationException("probe broke"));

        await h.RoundAsync();

        Assert.False(h.Server("a").IsHealthy);
        Assert.Contains(h.Logger.Collector.GetSnapshot(), r => r.Message.Contains("probe broke", StringComparison.Ordinal));
    }

    [Fact]
    public async Task All_servers_are_probed_in_parallel()
    {
        var health = new HealthCheckConfig { Timeout = TimeSpan.FromSeconds(2) };
        await using var h = new MonitorHarness(health, null, Server("a", 8001), Server("b", 8002), Server("c", 8003));
        h.NeverAnswer("a");
        h.NeverAnswer("b");
        h.NeverAnswer("c");

        var round = h.RoundAsync();

        Assert.Equal(3, h.Probed.Count);
        h.Time.Advance(health.Timeout);
        await round.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Passive_failures_take_a_server_down_and_out_of_selection_before_its_next_probe()
    {
        await using var h = new MonitorHarness(Defaults, null, Server("a", 8001), Server("b", 8002));
        h.Monitor.Start();
        await h.WaitForNextRoundArmedAsync();

        for (var i = 0; i < Defaults.Fall - 1; i++)
        {
            h.Pool.ReportConnectFailure(h.Server("a"));
            h.Time.Advance(HealthMonitor.PassiveReportSpacing);
        }

        await h.ReportsAppliedAsync();
        Assert.True(h.Server("a").IsHealthy);
        h.Pool.ReportConnectFailure(h.Server("a"));
        await h.ReportsAppliedAsync();

        Assert.False(h.Server("a").IsHealthy);
        Assert.Equal(["b"], h.Picks());
        Assert.Equal(Defaults.Fall, h.Server("a").ConnectFailures);
        Assert.Equal(2, h.Probed.Count);
    }

    [Fact]
    public async Task A_burst_of_passive_reports_counts_as_one_failure_per_spacing()
    {
        await using var h = new MonitorHarness(Defaults, null, Server("a", 8001), Server("b", 8002));
        h.Monitor.Start();
        await h.WaitForNextRoundArmedAsync();

        for (var i = 0; i < 1000; i++)
        {
            h.Pool.ReportConnectFailure(h.Server("a"));
        }

        h.Time.Advance(HealthMonitor.PassiveReportSpacing - TimeSpan.FromMilliseconds(1));
        h.Pool.ReportConnectFailure(h.Server("a"));
        await h.ReportsAppliedAsync();
        Assert.True(h.Server("a").IsHealthy);
        Assert.Equal(1001, h.Server("a").ConnectFailures);

        for (var i = 1; i < Defaults.Fall; i++)
        {
            h.Time.Advance(HealthMonitor.PassiveReportSpacing);
            h.Pool.ReportConnectFailure(h.Server("a"));
        }

        await h.ReportsAppliedAsync();
        Assert.False(h.Server("a").IsHealthy);
    }

    [Fact]
    public async Task Probes_bring_back_a_server_taken_down_by_passive_failures()
    {
        await using var h = new MonitorHarness(Seed, null, Server("a", 8001));
        h.Monitor.Start();
        await h.WaitForNextRoundArmedAsync();
        h.Pool.ReportConnectFailure(h.Server("a"));
        await h.ReportsAppliedAsync();
        Assert.False(h.Server("a").IsHealthy);

        await h.RoundAsync();

        Assert.True(h.Server("a").IsHealthy);
    }

    [Fact]
    public async Task Passive_failures_are_ignored_when_the_monitor_is_stopped()
    {
        await using var h = new MonitorHarness(Seed, null, Server("a", 8001));
        h.Monitor.Start();
        await h.WaitForNextRoundArmedAsync();
        await h.Monitor.StopAsync();

        h.Pool.ReportConnectFailure(h.Server("a"));
        await h.ReportsAppliedAsync();

        Assert.True(h.Server("a").IsHealthy);
    }

    [Fact]
    public async Task Every_transition_is_logged_with_pool_server_address_and_reason()
    {
        await using var h = new MonitorHarness(Seed, null, Server("a", 8001));
        h.Answer("a", HealthProbeResult.Unhealthy("ConnectionRefused"));
        await h.RoundAsync();
        h.Answer("a", HealthProbeResult.Healthy);
        await h.RoundAsync();

        var records = h.Logger.Collector.GetSnapshot();

        Assert.Equal(2, records.Count);
        Assert.Equal(LogLevel.Warning, records[0].Level);
        Assert.Equal("Pool web: server a (127.0.0.1:8001) is DOWN: 1 consecutive failure, last: ConnectionRefused", records[0].Message);
        Assert.Equal(LogLevel.Information, records[1].Level);
        Assert.Equal("Pool web: server a (127.0.0.1:8001) is UP: 1 consecutive successful probe", records[1].Message);
    }

    [Fact]
    public async Task Probes_that_change_nothing_log_nothing()
    {
        await using var h = new MonitorHarness(Defaults, null, Server("a", 8001));

        await h.RoundsAsync(5);

        Assert.Empty(h.Logger.Collector.GetSnapshot());
    }

    [Fact]
    public async Task Every_transition_is_counted_with_its_state_and_source()
    {
        await using var h = new MonitorHarness(Seed, null, Server("a", 8001));
        using var transitions = new MetricCollector<long>(h.MeterFactory, ConveyMetrics.MeterName, "convey.server.health_transitions");
        h.Monitor.Start();
        await h.WaitForNextRoundArmedAsync();

        h.Pool.ReportConnectFailure(h.Server("a"));
        await h.ReportsAppliedAsync();
        var passiveDown = !h.Server("a").IsHealthy;
        await h.RoundAsync();
        h.Answer("a", HealthProbeResult.Unhealthy("refused"));
        await h.RoundAsync();

        var measurements = transitions.GetMeasurementSnapshot();
        Assert.True(passiveDown);
        Assert.Equal(3, measurements.Count);
        Assert.Equal(["down", "up", "down"], measurements.Select(m => (string)m.Tags[ConveyMetricTags.HealthState]!));
        Assert.Equal(["passive", "probe", "probe"], measurements.Select(m => (string)m.Tags[ConveyMetricTags.HealthSource]!));
        Assert.All(measurements, m =>
        {
            Assert.Equal("web", m.Tags[ConveyMetricTags.Pool]);
            Assert.Equal("127.0.0.1", m.Tags[ConveyMetricTags.ServerAddress]);
            Assert.Equal(8001, m.Tags[ConveyMetricTags.ServerPort]);
        });
    }

    [Fact]
    public async Task A_probe_outcome_that_fails_to_apply_is_logged_and_counted_and_the_next_round_still_runs()
    {
        await using var h = new MonitorHarness(Seed, () => 0.5, Server("a", 8001));
        using var failures = new MetricCollector<long>(h.MeterFactory, ConveyMetrics.MeterName, "convey.health.check_failures");
        h.Pool.ServerHealthChanged += (_, _) => throw new InvalidOperationException("a listener failed");
        h.Answer("a", HealthProbeResult.Unhealthy("refused"));

        h.Monitor.Start();
        await h.WaitForNextRoundArmedAsync();
        h.Answer("a", HealthProbeResult.Healthy);
        h.Time.Advance(Seed.Interval);
        await h.WaitForNextRoundArmedAsync();

        Assert.Equal(2, h.Probed.Count);
        Assert.Equal([1L, 1L], failures.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.All(failures.GetMeasurementSnapshot(), m =>
        {
            Assert.Equal("web", m.Tags[ConveyMetricTags.Pool]);
            Assert.Equal("probe", m.Tags[ConveyMetricTags.HealthSource]);
        });
        Assert.Equal(2, h.Logger.Collector.GetSnapshot().Count(r => r.Level == LogLevel.Error && r.Exception is InvalidOperationException));
    }

    [Fact]
    public async Task A_passive_report_that_fails_is_logged_and_counted_and_never_reaches_the_engine()
    {
        await using var h = new MonitorHarness(Seed, () => 0.5, Server("a", 8001));
        using var failures = new MetricCollector<long>(h.MeterFactory, ConveyMetrics.MeterName, "convey.health.check_failures");
        h.Monitor.Start();
        await h.WaitForNextRoundArmedAsync();
        h.Pool.ServerHealthChanged += (_, _) => throw new InvalidOperationException("a listener failed");

        h.Pool.ReportConnectFailure(h.Server("a"));
        await h.ReportsAppliedAsync();

        var failure = Assert.Single(failures.GetMeasurementSnapshot());
        Assert.Equal("passive", failure.Tags[ConveyMetricTags.HealthSource]);
        Assert.Contains(h.Logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Error && r.Exception is InvalidOperationException);
    }

    [Fact]
    public async Task Draining_servers_are_not_probed()
    {
        await using var h = new MonitorHarness(Defaults, null, Server("a", 8001), Server("b", 8002));
        h.Server("b").OnConnectionOpened();
        h.Runtime.Apply(Web(Defaults, Server("a", 8001)));
        Assert.True(h.Pool.Servers.Single(s => s.Name == "b").IsDraining);

        await h.RoundAsync();

        Assert.Equal([h.Server("a").Address], h.Probed);
    }
}
