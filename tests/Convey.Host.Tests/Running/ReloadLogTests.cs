using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

public class ReloadLogTests
{
    [Fact]
    public async Task Each_reload_is_one_log_line_applied_or_refused_and_a_refused_one_keeps_serving()
    {
        await using var backend = TestServer.ReadAllThenReply(8);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)], withStats: false);
        var original = await File.ReadAllTextAsync(config.Path);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");

        await File.WriteAllTextAsync(config.Path, original.Replace("backend = \"pool\"", "backend = \"nowhere\"", StringComparison.Ordinal));
        await host.WaitForOutputAsync("Reload refused");

        var refused = host.Output.Split('\n').Where(l => l.Contains("Reload refused", StringComparison.Ordinal)).ToArray();
        Assert.Single(refused);
        Assert.Contains($"{config.Path}:3:", refused[0], StringComparison.Ordinal);
        Assert.Contains("frontends.pool_in.backend", refused[0], StringComparison.Ordinal);
        Assert.Equal(8, await Loopback.ExchangeAsync(config.Frontend, 8));

        await File.WriteAllTextAsync(config.Path, original.Replace("drain_timeout = 30", "drain_timeout = 20", StringComparison.Ordinal));
        await host.WaitForOutputAsync("Reload applied");

        Assert.Single(host.Output.Split('\n'), l => l.Contains("Reload applied", StringComparison.Ordinal) && l.Contains(config.Path, StringComparison.Ordinal));
        Assert.Equal(8, await Loopback.ExchangeAsync(config.Frontend, 8));
        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync());
    }
}
