using System.Diagnostics;
using System.Net.Sockets;
using Convey.Bird.Announcement;
using Convey.Configuration;
using Xunit.Abstractions;

namespace Convey.Bird.Tests.Announcement;

public class BirdAnnouncerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = Eventually.Patience;

    [SkippableFact]
    public async Task The_route_is_announced_once_the_pool_has_a_healthy_server_and_withdrawn_when_it_has_none()
    {
        await using var bird = await BirdDaemon.StartAsync();
        var server = TestServer.Echo();
        await using var balancer = await AnnouncingBalancer.StartAsync(bird, server.EndPoint);

        await Eventually.ReturnsAsync(bird.ProtocolStateAsync, s => s == "up", "BIRD has vip enabled", Patience);
        var announced = await Eventually.ReturnsAsync(() => balancer.Announce, a => a?.State == AnnounceState.Announced, "/stats says announced", Patience);
        await server.DisposeAsync();
        await Eventually.ReturnsAsync(bird.ProtocolStateAsync, s => s == "down", "BIRD has vip disabled", Patience);
        var withdrawn = await Eventually.ReturnsAsync(() => balancer.Announce, a => a?.State == AnnounceState.Withdrawn, "/stats says withdrawn", Patience);

        Assert.True(announced!.Fit);
        Assert.Null(announced.Reason);
        Assert.Equal("0011-vip: enabled", announced.LastReply);
        Assert.StartsWith("armed, pid ", announced.CrashGuard, StringComparison.Ordinal);
        Assert.Equal(bird.SocketPath, announced.BirdSocket);
        Assert.False(withdrawn!.Fit);
        Assert.Contains("pool pool of frontend web has no healthy server", withdrawn.Reason, StringComparison.Ordinal);
        Assert.Equal("0009-vip: disabled", withdrawn.LastReply);
        Assert.Contains(balancer.Log.GetSnapshot(), r => r.Id.Id == BirdLogEvents.Announced && r.Message.Contains("0011-vip: enabled", StringComparison.Ordinal));
        Assert.Contains(balancer.Log.GetSnapshot(), r => r.Id.Id == BirdLogEvents.Withdrawn && r.Message.Contains("no healthy server", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_BIRD_that_restarts_with_the_protocol_disabled_announces_again_within_seconds()
    {
        await using var bird = await BirdDaemon.StartAsync();
        await using var server = TestServer.Echo();
        await using var balancer = await AnnouncingBalancer.StartAsync(bird, server.EndPoint);
        await Eventually.ReturnsAsync(bird.ProtocolStateAsync, s => s == "up", "BIRD has vip enabled", Patience);

        await bird.RestartAsync();
        var clock = Stopwatch.StartNew();
        await Eventually.ReturnsAsync(bird.ProtocolStateAsync, s => s == "up", "the restarted BIRD has vip enabled again", Patience);

        output.WriteLine($"announced again {clock.ElapsedMilliseconds} ms after BIRD restarted");
        Assert.Contains(balancer.Log.GetSnapshot(), r => r.Id.Id == BirdLogEvents.BirdUnreachable);
        Assert.Contains(balancer.Log.GetSnapshot(), r => r.Id.Id == BirdLogEvents.BirdReachable);
    }

    [SkippableFact]
    public async Task Without_a_BIRD_client_for_the_crash_guard_the_route_is_not_announced()
    {
        await using var bird = await BirdDaemon.StartAsync();
        await using var server = TestServer.Echo();
        await using var balancer = await AnnouncingBalancer.StartAsync(bird, server.EndPoint, birdcl: "/nonexistent/birdcl");

        var announce = await Eventually.ReturnsAsync(() => balancer.Announce, a => a is { Fit: true, State: AnnounceState.Withdrawn }, "/stats says fit but withdrawn", Patience);

        Assert.Contains("no crash guard", announce!.Reason, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/birdcl", announce.CrashGuard, StringComparison.Ordinal);
        Assert.Equal("down", await bird.ProtocolStateAsync());
        Assert.Contains(balancer.Log.GetSnapshot(), r => r.Id.Id == BirdLogEvents.CrashGuardUnavailable);
    }

    [SkippableFact]
    public async Task A_reload_without_the_announce_section_withdraws_the_route_and_stands_the_guard_down()
    {
        await using var bird = await BirdDaemon.StartAsync();
        await using var server = TestServer.Echo();
        await using var balancer = await AnnouncingBalancer.StartAsync(bird, server.EndPoint);
        await Eventually.ReturnsAsync(bird.ProtocolStateAsync, s => s == "up", "BIRD has vip enabled", Patience);
        var guardPid = int.Parse(balancer.Announce!.CrashGuard["armed, pid ".Length..], System.Globalization.CultureInfo.InvariantCulture);

        balancer.Source.Update(balancer.Source.Config with { Sections = balancer.Source.Config.Sections.Remove("announce") });

        await Eventually.TrueAsync(() => balancer.Announce is null, "/stats has no announce object");
        Assert.Equal("down", await bird.ProtocolStateAsync());
        await Eventually.TrueAsync(() => !Exists(guardPid), "the guard exits");
    }

    [SkippableFact]
    public async Task On_stop_the_route_is_withdrawn_first_and_the_frontend_serves_through_the_withdraw_delay_before_it_drains()
    {
        await using var bird = await BirdDaemon.StartAsync();
        await using var server = TestServer.Echo();
        var balancer = await AnnouncingBalancer.StartAsync(bird, server.EndPoint, withdrawDelay: 2);
        await Eventually.ReturnsAsync(bird.ProtocolStateAsync, s => s == "up", "BIRD has vip enabled", Patience);

        var clock = Stopwatch.StartNew();
        var stopping = balancer.Host.StopAsync();
        await Eventually.ReturnsAsync(bird.ProtocolStateAsync, s => s == "down", "BIRD has vip disabled", Patience);
        var withdrawnAt = clock.Elapsed;
        var served = 0;
        var lastServedAt = TimeSpan.Zero;
        while (!stopping.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (!await Loopback.EchoesAsync(balancer.Frontend))
            {
                break;
            }

            served++;
            lastServedAt = clock.Elapsed;
        }

        var refusedAt = clock.Elapsed;
        await stopping;
        var log = balancer.Log.GetSnapshot();
        await balancer.DisposeAsync();

        output.WriteLine($"withdrawn {withdrawnAt.TotalMilliseconds:0} ms after stop began; {served} connections served after it, the last {lastServedAt.TotalMilliseconds:0} ms after stop; new connections refused from {refusedAt.TotalMilliseconds:0} ms");
        Assert.True(withdrawnAt < TimeSpan.FromSeconds(1), $"withdrawn only after {withdrawnAt}");
        Assert.True(served > 0, "no connection was served after the withdrawal");
        Assert.True(lastServedAt - withdrawnAt >= TimeSpan.FromSeconds(1.5), $"served for {lastServedAt - withdrawnAt} after the withdrawal, not the 2 s delay");
        Assert.Contains(log, r => r.Id.Id == BirdLogEvents.WithdrawnForStop);
    }


    private static bool Exists(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
