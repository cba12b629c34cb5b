using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Convey.Fleet.Tests.Lab;

/// <summary>
/// Three balancers announce the VIP to the router, which spreads flows over them by ECMP; one of them is lost as a
/// machine. The router drops its BGP session after the hold time (3 s) and sends its flows to the others.
/// </summary>
[Collection(nameof(FleetLab))]
public class NodeLossTests(ITestOutputHelper output)
{
    private const int Connections = 30;

    [SkippableFact]
    public async Task Dsr_connections_through_a_lost_node_continue_on_the_others_with_the_same_server()
    {
        Prerequisite.Require(FleetLab.WhyUnavailable());
        await using var lab = await FleetLab.StartAsync();
        await lab.StartAnnouncingFleetAsync("dsr");
        // Every connection sends a line every 50 ms and waits for its server's answer, for 10 s in all.
        var (client, results) = lab.StartClient("hold", FleetLab.Vip, FleetLab.Port.ToString(CultureInfo.InvariantCulture), Connections.ToString(CultureInfo.InvariantCulture), "10");
        await Eventually.TrueAsync(() => results().Contains("ready", StringComparison.Ordinal) || client.HasExited, "every connection had its first answer");
        Assert.False(client.HasExited, results());

        var lost = Stopwatch.StartNew();
        await lab.LoseNodeAsync(2);
        await lab.WaitForNextHopsAsync(1, 3);
        var withdrawn = lost.Elapsed;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await client.WaitForExitAsync(timeout.Token);

        var lines = results().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1).ToArray();
        Assert.Equal(Connections, lines.Length);
        Assert.All(lines, line => Assert.StartsWith("ok ", line, StringComparison.Ordinal));
        var connections = lines.Select(line => line.Split(' ')).Select(f => (Servers: f[1], LongestWaitMs: int.Parse(f[2], CultureInfo.InvariantCulture))).ToArray();
        // One server per connection from its first answer to its last: nothing broke, nothing moved.
        Assert.All(connections, c => Assert.DoesNotContain(",", c.Servers, StringComparison.Ordinal));
        var stalled = connections.Where(c => c.LongestWaitMs >= 1000).ToArray();
        // The lost node carried some of them (ECMP over three nodes): they waited for the router to notice.
        Assert.NotEmpty(stalled);
        output.WriteLine($"route withdrawn {withdrawn.TotalSeconds:F1} s after the node was lost; {stalled.Length} of {Connections} connections stalled, the longest {connections.Max(c => c.LongestWaitMs)} ms");
    }
}
