using Convey.Configuration;
using Convey.Health;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Health;

/// <summary>
/// Engines and probes only report; the pool's health monitor applies the reports on its own task and rebuilds the
/// selector once per batch. A <see cref="HeldSelector"/> holds the rebuild so each promise is observed, not timed.
/// </summary>
public sealed class HealthReportPathTests
{
    private static readonly HealthCheckConfig FlipAtOnce = new() { Rise = 1, Fall = 1 };

    [Fact]
    public async Task A_connect_failure_report_returns_while_the_rebuild_it_causes_runs_on_another_thread()
    {
        using var selector = new HeldSelector();
        await using var h = await StartHeldAsync(selector, Server("a", 8001), Server("b", 8002));
        var before = selector.Rebuilds;

        h.Pool.ReportConnectFailure(h.Server("a"));
        selector.WaitForRebuilds(before + 1);

        // The rebuild is held in Update right now, on a thread that is not this one, which reported and went on.
        Assert.NotEqual(Environment.CurrentManagedThreadId, selector.Threads.Last());
        Assert.False(h.Server("a").IsHealthy);
        selector.Release();
        await h.ReportsAppliedAsync();
        Assert.Equal(["b"], h.Picks());
    }

    [Fact]
    public async Task A_probe_round_hands_its_outcomes_to_the_same_path_and_its_rebuild_runs_elsewhere()
    {
        using var selector = new HeldSelector();
        await using var h = MonitorHarness.WithSelector(selector, FlipAtOnce, Server("a", 8001), Server("b", 8002));
        h.Answer("a", HealthProbeResult.Unhealthy("refused"));
        var before = selector.Rebuilds;
        selector.Hold();

        // Every probe answers at once on this thread; the round is then waiting for the held rebuild to finish.
        var round = h.RoundAsync();
        selector.WaitForRebuilds(before + 1);

        Assert.False(round.IsCompleted);
        Assert.NotEqual(Environment.CurrentManagedThreadId, selector.Threads.Last());
        selector.Release();
        await round.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["b"], h.Picks());
    }

    [Fact]
    public async Task A_burst_of_connect_failures_across_a_pools_servers_rebuilds_its_selector_twice_at_most()
    {
        const int count = 50;
        using var selector = new HeldSelector();
        await using var h = await StartHeldAsync(selector, [.. Enumerable.Range(0, count).Select(i => Server($"s{i}", 8001 + i))]);
        var before = selector.Rebuilds;

        // The first report's rebuild is held; the other reports of the burst queue up behind it.
        h.Pool.ReportConnectFailure(h.Pool.Servers[0]);
        selector.WaitForRebuilds(before + 1);
        foreach (var server in h.Pool.Servers.Skip(1))
        {
            h.Pool.ReportConnectFailure(server);
        }

        selector.Release();
        await h.ReportsAppliedAsync();

        Assert.All(h.Pool.Servers, s => Assert.False(s.IsHealthy));
        Assert.Equal(["none"], h.Picks());
        Assert.Equal(before + 2, selector.Rebuilds);
    }

    [Fact]
    public async Task Stopping_applies_the_reports_already_queued_and_refuses_later_ones()
    {
        using var selector = new HeldSelector();
        await using var h = await StartHeldAsync(selector, Server("a", 8001), Server("b", 8002), Server("c", 8003));
        var before = selector.Rebuilds;
        h.Pool.ReportConnectFailure(h.Server("a"));
        selector.WaitForRebuilds(before + 1);
        h.Pool.ReportConnectFailure(h.Server("b"));

        var stopped = h.Monitor.StopAsync();
        Assert.False(stopped.IsCompleted);
        selector.Release();
        await stopped.WaitAsync(TimeSpan.FromSeconds(30));
        h.Pool.ReportConnectFailure(h.Server("c"));
        await h.ReportsAppliedAsync();

        Assert.False(h.Server("b").IsHealthy);
        Assert.True(h.Server("c").IsHealthy);
        Assert.Equal(["c"], h.Picks());
    }

    /// <summary>A running monitor over servers that have passed their first probe, whose next rebuilds <paramref name="selector"/> holds.</summary>
    private static async Task<MonitorHarness> StartHeldAsync(HeldSelector selector, params ServerConfig[] servers)
    {
        var h = MonitorHarness.WithSelector(selector, FlipAtOnce, servers);
        try
        {
            h.Monitor.Start();
            await h.WaitForNextRoundArmedAsync();
        }
        catch
        {
            await h.DisposeAsync();
            throw;
        }

        selector.Hold();
        return h;
    }
}
