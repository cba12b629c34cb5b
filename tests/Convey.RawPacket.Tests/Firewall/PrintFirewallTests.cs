using System.Diagnostics;
using Convey.RawPacket.Tests.Lab;

namespace Convey.RawPacket.Tests.Firewall;

public class PrintFirewallTests
{
    [SkippableFact]
    public async Task Host_prints_the_rules_for_the_configuration_and_default_mode()
    {
        Prerequisite.RequireFile(NamespaceLab.HostAssembly, "the host must be built (dotnet build) for --print-firewall");
        var config = Path.Combine(Path.GetTempPath(), $"convey-print-firewall-{Guid.NewGuid():N}.toml");
        await File.WriteAllTextAsync(config, """
            [frontends.web]
            listen_addr = "198.19.0.2:8080"
            backend = "pool"

            [backends.pool]
              [backends.pool.servers.b1]
              addr = "198.19.1.11:8080"
            """);
        try
        {
            var (exitCode, output) = await RunHostAsync("--config", config, "--passthrough", "--print-firewall");

            Assert.Equal(0, exitCode);
            Assert.Contains("table inet convey", output, StringComparison.Ordinal);
            Assert.Contains("ip daddr 198.19.0.2 tcp dport 8080 drop", output, StringComparison.Ordinal);
            Assert.Contains("ip daddr 198.19.0.2 tcp dport 32768-61000 drop", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunHostAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [NamespaceLab.HostAssembly, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}
