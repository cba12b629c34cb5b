using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Convey.Fleet.Tests.Consistency;

/// <summary>
/// Instances probe each server on their own, unsynchronised: when a server fails, each takes it out at its own
/// moment, and until the last one has, the instances' tables differ. How long that lasts is measured here.
/// </summary>
public partial class HealthViewTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Instances_take_a_failed_server_out_within_one_probe_interval_of_each_other()
    {
        const int Failed = 3;
        await using var servers = NumberedServers.Start();
        // One after the other, as a fleet's instances start: their probes run at unrelated moments within the interval.
        await using var a = await servers.StartInstanceAsync(seed: 1);
        await using var b = await servers.StartInstanceAsync(seed: 2);
        await using var c = await servers.StartInstanceAsync(seed: 3);
        LoopbackInstance[] started = [a, b, c];

        await servers.StopAsync(Failed);
        foreach (var instance in started)
        {
            await Eventually.ReturnsAsync(instance.HealthyServersAsync, healthy => healthy == NumberedServers.Count - 1, "every instance takes the failed server out");
        }

        // Each instance logs the moment it took the server out (fall = 3 failed probes, one a second).
        var moments = started.Select(instance => DownAt().Match(instance.Host.Output)).Select(m =>
        {
            Assert.True(m.Success, "an instance did not log the server going down");
            return DateTimeOffset.Parse(m.Groups["time"].Value, CultureInfo.InvariantCulture);
        }).ToArray();
        var spread = moments.Max() - moments.Min();
        output.WriteLine($"the instances took the failed server out within {spread.TotalMilliseconds:F0} ms of each other");
        // One probe interval (1 s) apart at most, and a margin for a busy machine's scheduling.
        Assert.True(spread < TimeSpan.FromSeconds(1.5), $"the instances' views differed for {spread}");
    }

    [GeneratedRegex(@"^(?<time>\S+Z) \w+: .*is DOWN", RegexOptions.Multiline)]
    private static partial Regex DownAt();
}
