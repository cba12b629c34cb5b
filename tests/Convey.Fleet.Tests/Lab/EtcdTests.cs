using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Convey.Fleet.Tests.Lab;

/// <summary>The fleet's three instances read one configuration from etcd and follow its every put.</summary>
[Collection(nameof(FleetLab))]
public partial class EtcdTests(ITestOutputHelper output)
{
    private const string Key = "convey/fleet";

    [SkippableFact]
    public async Task An_etcd_put_is_applied_by_all_three_instances_within_2_s()
    {
        Prerequisite.Require(FleetLab.WhyUnavailable());
        Prerequisite.RequireFile("/usr/bin/etcd", "the fleet's configuration is kept in etcd (apt-get install etcd-server)");
        await using var lab = await FleetLab.StartAsync();
        await lab.StartEtcdAsync();
        await lab.EtcdPutAsync(Key, FleetConfig.Toml("proxy"));
        for (var node = 1; node <= FleetLab.Balancers; node++)
        {
            lab.StartBalancer(node, ["--config", $"etcd://{FleetLab.EtcdEndpoint}/{Key}"]);
        }

        for (var node = 1; node <= FleetLab.Balancers; node++)
        {
            await lab.WaitUntilReadyAsync(node);
        }

        var put = DateTimeOffset.UtcNow;
        var revision = await lab.EtcdPutAsync(Key, FleetConfig.Toml("proxy", $"""
            [frontends.second]
            listen_addr = "{FleetLab.Vip}:{FleetLab.Port + 1}"
            backend = "app"
            """));
        var putReturned = DateTimeOffset.UtcNow - put;

        var delays = new List<TimeSpan>();
        for (var node = 1; node <= FleetLab.Balancers; node++)
        {
            var host = lab.Balancer(node);
            // Each instance logs the moment it applied the revision.
            var applied = await Eventually.ReturnsAsync(() => ReloadApplied().Match(host.Output), m => m.Success, $"Convey on lb{node} applies the put");
            delays.Add(DateTimeOffset.Parse(applied.Groups["time"].Value, CultureInfo.InvariantCulture) - put);
            using var stats = JsonDocument.Parse(await lab.InAsync($"lb{node}", "curl", "-sf", $"http://127.0.0.1:{FleetLab.StatsPort}/stats"));
            Assert.Equal(revision, stats.RootElement.GetProperty("config_revision").GetInt64());
            Assert.True(stats.RootElement.GetProperty("frontends").TryGetProperty("second", out _), $"lb{node} does not list the frontend the put added");
        }

        // Measured from before the put is sent, so the time to start curl in the router's namespace counts too.
        output.WriteLine($"put of revision {revision} (curl returned after {putReturned.TotalMilliseconds:F0} ms) applied after {string.Join(", ", delays.Select(d => $"{d.TotalMilliseconds:F0} ms"))}");
        Assert.All(delays, delay => Assert.True(delay < TimeSpan.FromSeconds(2), $"an instance applied the put {delay} after it"));
    }

    [GeneratedRegex(@"^(?<time>\S+Z) \w+: .*Reload applied from", RegexOptions.Multiline)]
    private static partial Regex ReloadApplied();
}
