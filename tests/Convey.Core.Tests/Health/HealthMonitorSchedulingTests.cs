using Convey.Configuration;
using Convey.Health;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Health;

public class HealthMonitorSchedulingTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly HealthCheckConfig Health = new() { Interval = Interval };

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.999999)]
    public void Jitter_keeps_each_wait_within_ten_percent_of_the_interval(double sample)
    {
        var delay = HealthMonitor.NextDelay(Interval, sample);

        Assert.InRange(delay, Interval * 0.9, Interval * 1.1);
    }

    [Fact]
    public void Jitter_spreads_waits_over_the_whole_band()
    {
        Assert.Equal(Interval * 0.9, HealthMonitor.NextDelay(Interval, 0));
        Assert.Equal(Interval, HealthMonitor.NextDelay(Interval, 0.5));
        Assert.True(HealthMonitor.NextDelay(Interval, 0.999999) > Interval * 1.0999);
    }

    [Fact]
    public async Task First_round_runs_at_start()
    {
        await using var h = new MonitorHarness(Health, null, Server("a", 8001), Server("b", 8002));

        h.Monitor.Start();
        await h.WaitForNextRoundArmedAsync();

        Assert.Equal(2, h.Probed.Count);
    }

    [Fact]
    public async Task Next_round_waits_for_the_shortest_jittered_interval()
    {
        await using var h = new MonitorHarness(Health, () => 0, Server("a", 8001));
        h.Monitor.Start();
        await h.WaitForNextRoundArmedAsync();

        h.Time.Advance((Interval * 0.9) - TimeSpan.FromTicks(1));
        Assert.Single(h.Probed);

        h.Time.Advance(TimeSpan.FromTicks(1));
        await h.WaitForNextRoundArmedAsync();
        Assert.Equal(2, h.Probed.Count);
    }

    [Fact]
    public async Task Next_round_comes_no_later_than_the_longest_jittered_interval()
    {
        await using var h = new MonitorHarness(Health, () => 0.999999, Server("a", 8001));
        h.Monitor.Start();
        await h.WaitForNextRoundArmedAsync();

        // Task.Delay counts whole milliseconds: the longest wait here is 10.999998 s, so 10.999 s.
        h.Time.Advance(Interval * 1.0999 - TimeSpan.FromMilliseconds(1));
        Assert.Single(h.Probed);

        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        await h.WaitForNextRoundArmedAsync();
        Assert.Equal(2, h.Probed.Count);
    }

    [Fact]
    public async Task Interval_is_counted_from_the_start_of_the_previous_round()
    {
        var health = new HealthCheckConfig { Interval = Interval, Timeout = TimeSpan.FromSeconds(4) };
        await using var h = new MonitorHarness(health, () => 0.5, Server("a", 8001));
        h.NeverAnswer("a");
        h.Monitor.Start();
        h.WaitForProbes(1);

        h.Time.Advance(health.Timeout);
        await h.WaitForNextRoundArmedAsync();
        h.Answer("a", HealthProbeResult.Healthy);
        h.Time.Advance(Interval - health.Timeout);
        await h.WaitForNextRoundArmedAsync();

        Assert.Equal(2, h.Probed.Count);
    }

    [Fact]
    public async Task Stop_ends_the_loop_and_no_more_rounds_run()
    {
        await using var h = new MonitorHarness(Health, null, Server("a", 8001));
        h.Monitor.Start();
        await h.WaitForNextRoundArmedAsync();

        await h.Monitor.StopAsync();
        h.Time.Advance(Interval * 5);

        Assert.Single(h.Probed);
    }
}
