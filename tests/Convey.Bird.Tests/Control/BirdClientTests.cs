using Convey.Bird.Control;

namespace Convey.Bird.Tests.Control;

public class BirdClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [SkippableFact]
    public async Task Enable_and_disable_switch_the_protocol_as_BIRD_reports_it_with_BIRDs_replies()
    {
        await using var bird = await BirdDaemon.StartAsync();
        await using var client = new BirdClient(bird.SocketPath, Timeout);

        Assert.False((await client.ShowAsync(BirdDaemon.Protocol, default)).IsEnabled);
        var enabled = await client.EnableAsync(BirdDaemon.Protocol, default);
        Assert.Equal("up", await bird.ProtocolStateAsync());
        var again = await client.EnableAsync(BirdDaemon.Protocol, default);
        Assert.True((await client.ShowAsync(BirdDaemon.Protocol, default)).IsEnabled);
        var disabled = await client.DisableAsync(BirdDaemon.Protocol, default);

        Assert.Equal("down", await bird.ProtocolStateAsync());
        Assert.Equal("0011-vip: enabled", enabled.Text);
        Assert.Equal("0010-vip: already enabled", again.Text);
        Assert.Equal("0009-vip: disabled", disabled.Text);
    }

    [SkippableFact]
    public async Task A_protocol_BIRD_does_not_have_is_refused_with_BIRDs_reply()
    {
        await using var bird = await BirdDaemon.StartAsync();
        await using var client = new BirdClient(bird.SocketPath, Timeout);

        var error = await Assert.ThrowsAsync<BirdException>(() => client.EnableAsync("vpi", default));

        Assert.Equal(8003, error.Reply?.Code);
        Assert.Contains("No protocols match", error.Message, StringComparison.Ordinal);
        Assert.Equal("down", await bird.ProtocolStateAsync());
    }

    [SkippableFact]
    public async Task After_BIRD_restarts_the_next_command_fails_once_then_a_new_session_carries_on()
    {
        await using var bird = await BirdDaemon.StartAsync();
        await using var client = new BirdClient(bird.SocketPath, Timeout);
        await client.EnableAsync(BirdDaemon.Protocol, default);

        await bird.RestartAsync();
        var broken = await Assert.ThrowsAsync<BirdException>(() => client.ShowAsync(BirdDaemon.Protocol, default));
        var status = await client.ShowAsync(BirdDaemon.Protocol, default);

        Assert.Contains(bird.SocketPath, broken.Message, StringComparison.Ordinal);
        Assert.Null(broken.Reply);
        Assert.Equal("down", status.State);
    }

    [Fact]
    public async Task A_socket_nobody_listens_on_is_an_error_naming_the_socket_and_how_BIRD_is_started()
    {
        var path = Path.Combine(Path.GetTempPath(), $"convey-no-bird-{Guid.NewGuid():N}.ctl");
        await using var client = new BirdClient(path, Timeout);

        var error = await Assert.ThrowsAsync<BirdException>(() => client.ShowAsync("vip", default));

        Assert.Contains($"cannot connect to BIRD's control socket {path}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"-s {path}", error.Message, StringComparison.Ordinal);
    }
}
