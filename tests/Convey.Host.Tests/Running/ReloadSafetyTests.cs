using System.Text;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

public class ReloadSafetyTests
{
    private const int Requests = 20;

    [Fact]
    public async Task A_truncated_config_file_is_refused_and_every_frontend_keeps_serving_until_the_write_completes()
    {
        await using var first = TestServer.ReadAllThenReply(8);
        await using var second = TestServer.ReadAllThenReply(16);
        using var config = HostConfigFile.Write([("s1", first.EndPoint)], withStats: false);
        var original = await File.ReadAllTextAsync(config.Path);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");

        // An in-place rewrite by a writer that stalls after truncating: the file stays empty while it is open.
        await using (var writer = new FileStream(config.Path, FileMode.Create, FileAccess.Write))
        {
            await host.WaitForOutputAsync("Reload refused", TimeSpan.FromSeconds(20));

            var refused = Assert.Single(host.Output.Split('\n'), l => l.Contains("Reload refused", StringComparison.Ordinal));
            Assert.Contains($"{config.Path}", refused, StringComparison.Ordinal);
            Assert.Contains("the file is empty", refused, StringComparison.Ordinal);
            for (var i = 0; i < Requests; i++)
            {
                Assert.Equal(8, await Loopback.ExchangeAsync(config.Frontend, 1));
            }

            await writer.WriteAsync(Encoding.UTF8.GetBytes(original.Replace(first.EndPoint.ToString(), second.EndPoint.ToString(), StringComparison.Ordinal)));
        }

        await host.WaitForOutputAsync("Reload applied", TimeSpan.FromSeconds(20));
        Assert.Equal(16, await Loopback.ExchangeAsync(config.Frontend, 1));
        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n   \n\t\n")]
    [InlineData("# convey.toml, to be written\n")]
    public async Task An_empty_config_file_at_start_exits_1_saying_the_file_is_empty(string empty)
    {
        var folder = Directory.CreateTempSubdirectory("convey-empty-").FullName;
        try
        {
            var path = Path.Combine(folder, "convey.toml");
            await File.WriteAllTextAsync(path, empty);

            var (code, output, error) = await HostProcess.RunToExitAsync($"--config={path}");

            Assert.Equal(1, code);
            Assert.Contains(path, error, StringComparison.Ordinal);
            Assert.Contains("the file is empty", error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
            Assert.DoesNotContain("Convey started", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
