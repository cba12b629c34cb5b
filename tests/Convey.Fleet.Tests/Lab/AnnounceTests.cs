using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Convey.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Convey.Fleet.Tests.Lab;

/// <summary>
/// Every balancer announces the VIP itself, through its node's BIRD (<c>[announce]</c>), while it is fit to serve: a
/// stop withdraws the route before the drain, and a crash has it withdrawn by the crash guard.
/// </summary>
[Collection(nameof(FleetLab))]
public class AnnounceTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Sigterm_of_one_instance_under_new_connection_load_costs_no_request_in_proxy_mode()
    {
        Prerequisite.Require(FleetLab.WhyUnavailable());
        await using var lab = await FleetLab.StartAsync();
        await lab.StartAnnouncingFleetAsync("proxy");
        // 50 new connections a second, each sending a line and reading its answer. A stop that closed the listener
        // before the router had moved the VIP away would have about 17 a second of them refused.
        var (client, results) = lab.StartClient("load", FleetLab.Vip, FleetLab.Port.ToString(CultureInfo.InvariantCulture), "50");
        await Eventually.ReturnsAsync(() => lab.TotalConnectionsAsync(2), total => total >= 30, "the instance to be stopped takes its share of the load");

        var stop = Stopwatch.StartNew();
        lab.Balancer(2).Terminate();
        await lab.WaitForNextHopsAsync(1, 3);
        var withdrawn = stop.Elapsed;
        Assert.Equal(0, await lab.Balancer(2).WaitForExitAsync());
        var stopped = stop.Elapsed;
        // Load goes on after the stop, on the other two.
        var others = await lab.TotalConnectionsAsync(1) + await lab.TotalConnectionsAsync(3);
        await Eventually.ReturnsAsync(async () => await lab.TotalConnectionsAsync(1) + await lab.TotalConnectionsAsync(3), total => total >= others + 50, "the others take the load");
        client.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await client.WaitForExitAsync(timeout.Token);

        var summary = results().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Single(l => l.StartsWith("ok ", StringComparison.Ordinal));
        output.WriteLine($"route withdrawn {withdrawn.TotalMilliseconds:F0} ms after SIGTERM, the instance exited after {stopped.TotalSeconds:F1} s; client: {summary}");
        Assert.EndsWith(" err 0", summary, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_crashed_instance_stops_being_announced_within_5_s()
    {
        Prerequisite.Require(FleetLab.WhyUnavailable());
        await using var lab = await FleetLab.StartAsync();
        await lab.StartAnnouncingFleetAsync("dsr");

        var crash = Stopwatch.StartNew();
        lab.Balancer(2).Signal(HostProcess.SigKill);
        await lab.WaitForNextHopsAsync(1, 3);
        var withdrawn = crash.Elapsed;

        output.WriteLine($"route withdrawn {withdrawn.TotalMilliseconds:F0} ms after the crash");
        Assert.True(withdrawn < TimeSpan.FromSeconds(5), $"the route was withdrawn {withdrawn} after the crash");
        // The node's BIRD kept running and its session with the router stayed up: the route went because Convey's went.
        Assert.Contains("Established", await lab.InAsync("lb2", "birdc", "-s", lab.BirdSocket(2), "show", "protocols", "uplink"), StringComparison.Ordinal);
    }
}
