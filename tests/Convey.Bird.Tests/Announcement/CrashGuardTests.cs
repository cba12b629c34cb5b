using System.Diagnostics;
using Convey.Bird.Announcement;

namespace Convey.Bird.Tests.Announcement;

public class CrashGuardTests
{
    [SkippableFact]
    public async Task When_its_pipe_closes_without_a_release_the_guard_disables_the_protocol_at_once()
    {
        await using var bird = await BirdDaemon.StartAsync();
        await bird.BirdClAsync($"enable {BirdDaemon.Protocol}");
        var guard = await CrashGuard.StartAsync(null, bird.SocketPath, BirdDaemon.Protocol, default);

        var clock = Stopwatch.StartNew();
        guard.Dispose();
        await Eventually.ReturnsAsync(bird.ProtocolStateAsync, state => state == "down", "the guard disables vip", TimeSpan.FromSeconds(5));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [SkippableFact]
    public async Task A_released_guard_exits_and_leaves_the_protocol_as_it_is()
    {
        await using var bird = await BirdDaemon.StartAsync();
        var guard = await CrashGuard.StartAsync(BirdDaemon.BirdClPath, bird.SocketPath, BirdDaemon.Protocol, default);
        await bird.BirdClAsync($"enable {BirdDaemon.Protocol}");

        await guard.ReleaseAsync(default);
        var running = guard.IsRunning;
        guard.Dispose();

        Assert.False(running);
        Assert.Equal("up", await bird.ProtocolStateAsync());
    }

    [SkippableFact]
    public async Task The_guard_ignores_SIGTERM_and_SIGHUP_so_a_stop_of_the_whole_service_does_not_silence_it()
    {
        await using var bird = await BirdDaemon.StartAsync();
        await bird.BirdClAsync($"enable {BirdDaemon.Protocol}");
        var guard = await CrashGuard.StartAsync(null, bird.SocketPath, BirdDaemon.Protocol, default);
        try
        {
            using (var term = Process.Start("kill", ["-TERM", guard.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using (var hup = Process.Start("kill", ["-HUP", guard.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await hup.WaitForExitAsync();
            }

            Assert.True(guard.IsRunning);
        }
        finally
        {
            guard.Dispose();
        }

        await Eventually.ReturnsAsync(bird.ProtocolStateAsync, state => state == "down", "the guard still disables vip");
    }

    [Fact]
    public async Task A_BIRD_client_path_that_does_not_exist_is_refused_saying_what_to_install_or_set()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => CrashGuard.StartAsync("/nonexistent/birdcl", "/run/bird/bird.ctl", "vip", default));

        Assert.Contains("/nonexistent/birdcl", error.Message, StringComparison.Ordinal);
        Assert.Contains("bird2", error.Message, StringComparison.Ordinal);
    }
}
