using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Convey.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Convey.Host.Tests.Running;

/// <summary>The host with an <c>[announce]</c> section, against a real BIRD the test runs on a private control socket.</summary>
public class AnnounceTests(ITestOutputHelper output)
{
    private const int SigKill = 9;
    private static readonly TimeSpan Patience = Eventually.Patience;

    [Fact]
    public async Task Check_refuses_an_announce_section_without_a_protocol_and_exits_1()
    {
        using var config = HostConfigFile.Write([("s1", new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9))], withStats: false);
        await File.AppendAllTextAsync(config.Path, "\n[announce]\nbird_socket = \"/run/fleetlab/f-lb1/bird.ctl\"\n");

        var (code, _, error) = await HostProcess.RunToExitAsync("--check", $"--config={config.Path}");

        Assert.Equal(1, code);
        Assert.Contains("announce.protocol: 'protocol' is required here", error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_host_killed_without_a_word_stops_being_announced_within_5_s()
    {
        await using var bird = await BirdDaemon.StartAsync();
        await using var backend = TestServer.Echo();
        using var config = WriteConfig(bird, backend);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await WaitAnnouncedAsync(bird, host);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var stats = JsonDocument.Parse(await http.GetStringAsync($"{config.StatsUrl}/stats"));
        var page = await http.GetStringAsync(config.StatsUrl + "/");

        var clock = Stopwatch.StartNew();
        host.Signal(SigKill);
        await Eventually.ReturnsAsync(bird.ProtocolStateAsync, s => s == "down", "BIRD has vip disabled", TimeSpan.FromSeconds(5));

        output.WriteLine($"withdrawn {clock.ElapsedMilliseconds} ms after SIGKILL of the host");
        var announce = stats.RootElement.GetProperty("announce");
        Assert.Equal("announced", announce.GetProperty("state").GetString());
        Assert.Equal("0011-vip: enabled", announce.GetProperty("last_reply").GetString());
        Assert.Equal(bird.SocketPath, announce.GetProperty("bird_socket").GetString());
        Assert.Contains("id=\"announce\" data-state=\"announced\"", page, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Sigterm_withdraws_the_route_then_serves_through_the_withdraw_delay_then_drains()
    {
        await using var bird = await BirdDaemon.StartAsync();
        await using var backend = TestServer.Echo();
        using var config = WriteConfig(bird, backend);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await WaitAnnouncedAsync(bird, host);

        var clock = Stopwatch.StartNew();
        host.Terminate();
        await Eventually.ReturnsAsync(bird.ProtocolStateAsync, s => s == "down", "BIRD has vip disabled", Patience);
        var withdrawnAt = clock.Elapsed;
        var lastServedAt = TimeSpan.Zero;
        while (clock.Elapsed < TimeSpan.FromSeconds(15) && await Loopback.EchoesAsync(config.Frontend))
        {
            lastServedAt = clock.Elapsed;
        }

        var exitCode = await host.WaitForExitAsync();

        output.WriteLine($"withdrawn {withdrawnAt.TotalMilliseconds:0} ms after SIGTERM; new connections served until {lastServedAt.TotalMilliseconds:0} ms");
        Assert.Equal(0, exitCode);
        Assert.True(lastServedAt - withdrawnAt >= TimeSpan.FromSeconds(1.5), $"served {lastServedAt - withdrawnAt} after the withdrawal, not the 2 s withdraw delay");
        var stopping = host.Output.IndexOf("Stopping: BIRD protocol vip disabled", StringComparison.Ordinal);
        var draining = host.Output.IndexOf("stops accepting", StringComparison.Ordinal);
        Assert.True(stopping >= 0 && (draining < 0 || stopping < draining), $"the withdrawal is not logged before the drain:\n{host.Output}");
    }

    /// <summary>Waits for the host to start and BIRD to have the protocol enabled; on timeout, says what the host logged.</summary>
    private static async Task WaitAnnouncedAsync(BirdDaemon bird, HostProcess host)
    {
        await host.WaitForOutputAsync("Convey started");
        try
        {
            await Eventually.ReturnsAsync(bird.ProtocolStateAsync, s => s == "up", "BIRD has vip enabled", Patience);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nhost stdout:\n{host.Output}\nhost stderr:\n{host.Error}", ex);
        }
    }

    private static HostConfigFile WriteConfig(BirdDaemon bird, TestServer backend)
    {
        var config = HostConfigFile.Write([("s1", backend.EndPoint)], drainSeconds: 5);
        File.AppendAllText(config.Path, $"""

            [announce]
            bird_socket = "{bird.SocketPath}"
            protocol = "{BirdDaemon.Protocol}"

            """);
        return config;
    }

}
