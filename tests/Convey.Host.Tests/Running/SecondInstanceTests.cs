using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

public class SecondInstanceTests
{
    [Fact]
    public async Task A_second_instance_on_the_same_frontend_address_exits_1_and_the_first_keeps_all_the_traffic()
    {
        await using var backend = TestServer.ReadAllThenReply(3);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)], withStats: false);
        await using var first = HostProcess.Start([$"--config={config.Path}"]);
        await first.WaitForOutputAsync("Convey started");

        var (code, output, error) = await HostProcess.RunToExitAsync($"--config={config.Path}");

        Assert.Equal(1, code);
        Assert.Contains($"convey: frontend 'pool_in' cannot listen on {config.Frontend}: address already in use", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Convey started", output, StringComparison.Ordinal);
        Assert.Equal(3, await Loopback.ExchangeAsync(config.Frontend, 5));
    }

    [Fact]
    public async Task Two_instances_whose_frontend_sets_reuse_port_both_listen_on_one_address()
    {
        await using var backend = TestServer.ReadAllThenReply(3);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)], withStats: false);
        await File.WriteAllTextAsync(config.Path, (await File.ReadAllTextAsync(config.Path)).Replace("backend = \"pool\"", "backend = \"pool\"\nreuse_port = true", StringComparison.Ordinal));
        await using var first = HostProcess.Start([$"--config={config.Path}"]);
        await first.WaitForOutputAsync("Convey started");

        await using var second = HostProcess.Start([$"--config={config.Path}"]);
        await second.WaitForOutputAsync("Convey started");

        Assert.Contains($"Frontend pool_in listening on {config.Frontend}", second.Output, StringComparison.Ordinal);
        Assert.Equal(3, await Loopback.ExchangeAsync(config.Frontend, 5));
        second.Terminate();
        Assert.Equal(0, await second.WaitForExitAsync());
    }
}
