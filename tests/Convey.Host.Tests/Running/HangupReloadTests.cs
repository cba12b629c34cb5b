using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

public class HangupReloadTests
{
    [Fact]
    public async Task Sighup_applies_a_change_the_file_watcher_did_not_see()
    {
        await using var first = TestServer.ReadAllThenReply(8);
        await using var second = TestServer.ReadAllThenReply(16);
        using var config = HostConfigFile.Write([("s1", first.EndPoint)], withStats: false);

        // The host is given a symlink in a directory of its own: the watcher sees that directory, never a write to
        // the file the link points at, so only the 5 s poll or a SIGHUP can notice the change.
        var linkDirectory = Directory.CreateDirectory(Path.Combine(config.Folder, "etc")).FullName;
        var link = Path.Combine(linkDirectory, "convey.toml");
        File.CreateSymbolicLink(link, config.Path);
        await using var host = HostProcess.Start([$"--config={link}"]);
        await host.WaitForOutputAsync("Application started");
        Assert.Equal(8, await Loopback.ExchangeAsync(config.Frontend, 1));
        var original = await File.ReadAllTextAsync(config.Path);

        await File.WriteAllTextAsync(config.Path, original.Replace(first.EndPoint.ToString(), second.EndPoint.ToString(), StringComparison.Ordinal));
        host.Signal(HostProcess.SigHup);
        await host.WaitForOutputAsync($"SIGHUP: re-reading {link}", TimeSpan.FromSeconds(3));
        await Eventually.ReturnsAsync(() => LinesAfter(host.Output, "SIGHUP: re-reading"), lines => lines.Any(IsApplied), "the SIGHUP's reload is applied", TimeSpan.FromSeconds(3));

        Assert.Equal(16, await Loopback.ExchangeAsync(config.Frontend, 1));
        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync());

        bool IsApplied(string line) => line.Contains($"Reload applied from {link}", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sighup_with_an_unchanged_file_reapplies_it_and_neither_stops_the_balancer_nor_drops_traffic()
    {
        await using var backend = TestServer.ReadAllThenReply(8);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)], withStats: false);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");

        host.Signal(HostProcess.SigHup);
        await host.WaitForOutputAsync($"SIGHUP: re-reading {config.Path}");
        await host.WaitForOutputAsync($"Reload applied from {config.Path}");

        Assert.Equal(8, await Loopback.ExchangeAsync(config.Frontend, 1));
        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync());
    }

    [Fact]
    public async Task Sighup_with_an_emptied_file_logs_the_refusal_and_keeps_serving()
    {
        await using var backend = TestServer.ReadAllThenReply(8);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)], withStats: false);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");

        await File.WriteAllTextAsync(config.Path, "");
        host.Signal(HostProcess.SigHup);
        await host.WaitForOutputAsync($"SIGHUP: re-reading {config.Path}");
        await host.WaitForOutputAsync("Reload refused");

        Assert.Contains(host.Output.Split('\n'), l => l.Contains("Reload refused", StringComparison.Ordinal) && l.Contains("is empty", StringComparison.Ordinal));
        Assert.Equal(8, await Loopback.ExchangeAsync(config.Frontend, 1));
        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync());
    }

    private static string[] LinesAfter(string output, string marker)
    {
        var lines = output.Split('\n');
        var at = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal));
        return at < 0 ? [] : lines[(at + 1)..];
    }
}
