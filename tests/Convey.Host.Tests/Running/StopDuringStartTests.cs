using System.Globalization;
using System.Text;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

public class StopDuringStartTests
{
    private const int Frontends = 3000;

    [Fact]
    public async Task SIGTERM_while_a_large_configuration_is_still_starting_is_a_clean_stop_with_exit_0()
    {
        // Thousands of frontends, each on its own loopback address (127.77.0.0/16) so no port of another test is
        // taken: binding and announcing them keeps the host in its start for a measurable time.
        var folder = Directory.CreateTempSubdirectory("convey-host-test-");
        using var port = new ReservedPort();
        using var server = new ReservedPort();
        try
        {
            var path = Path.Combine(folder.FullName, "convey.toml");
            await File.WriteAllTextAsync(path, LargeConfig(port.Port, server.EndPoint));
            await using var host = HostProcess.Start([$"--config={path}"]);
            await host.WaitForOutputAsync("listening on");
            host.Terminate();

            var code = await host.WaitForExitAsync();

            Assert.True(code == 0, $"exit code {code}\nstderr:\n{host.Error}");
            Assert.DoesNotContain("Unhandled exception", host.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", host.Output + host.Error, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string LargeConfig(int port, System.Net.IPEndPoint server)
    {
        var toml = new StringBuilder();
        for (var i = 0; i < Frontends; i++)
        {
            toml.Append(CultureInfo.InvariantCulture, $"[frontends.f{i}]\nlisten_addr = \"127.77.{i / 250}.{(i % 250) + 1}:{port}\"\nbackend = \"pool\"\n\n");
        }

        // A server nobody listens on: health checks see it down, which is irrelevant to a stop during start.
        toml.Append(CultureInfo.InvariantCulture, $"[backends.pool.servers.s1]\naddr = \"{server}\"\n");
        return toml.ToString();
    }
}
