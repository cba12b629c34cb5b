using System.Diagnostics;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Commands;

/// <summary>
/// <c>--check</c> refuses everything the running host would refuse, and what could never work, with the file's line
/// and column: it runs the host's own validation, so the two cannot disagree.
/// </summary>
public sealed class CheckRefusesWhatCannotRunTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("convey-check-").FullName;

    // Ports the configurations name; --check binds nothing, and a refused start never gets to bind.
    private readonly ReservedPort _frontendPort = new();
    private readonly ReservedPort _serverPort = new();

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        _frontendPort.Dispose();
        _serverPort.Dispose();
    }

    [Theory]
    [InlineData("--check")]
    [InlineData(null)]
    public async Task An_unknown_balancing_policy_is_refused_at_its_line_and_column_by_check_and_by_start(string? check)
    {
        var path = Write($"""
            [frontends.web]
            listen_addr = "127.0.0.1:{_frontendPort.Port}"
            backend = "pool"

            [backends.pool]
            balance = "fastest-please"
              [backends.pool.servers.s1]
              addr = "127.0.0.1:{_serverPort.Port}"
            """);

        string[] args = check is null ? [$"--config={path}"] : [check, $"--config={path}"];
        var (code, output, error) = await HostProcess.RunToExitAsync(args);

        Assert.Equal(1, code);
        Assert.Contains($"{path}:6:1 backends.pool.balance: unknown balancing policy 'fastest-please'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("configuration is valid", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_refuses_a_specific_address_on_the_port_of_a_wildcard_frontend()
    {
        var port = _frontendPort.Port;
        var path = Write($"""
            [frontends.everywhere]
            listen_addr = "0.0.0.0:{port}"
            backend = "pool"

            [frontends.loopback]
            listen_addr = "127.0.0.1:{port}"
            backend = "pool"

            [backends.pool.servers.s1]
            addr = "198.18.0.10:80"
            """);

        var (code, _, error) = await HostProcess.RunToExitAsync("--check", $"--config={path}");

        Assert.Equal(1, code);
        Assert.Contains($"{path}:6:1 frontends.loopback.listen_addr: 127.0.0.1:{port} clashes with frontend 'everywhere' on 0.0.0.0:{port}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_refuses_a_server_that_is_its_own_frontend()
    {
        var port = _frontendPort.Port;
        var path = Write($"""
            [frontends.web]
            listen_addr = "0.0.0.0:{port}"
            backend = "pool"

            [backends.pool.servers.me]
            addr = "127.0.0.1:{port}"
            """);

        var (code, _, error) = await HostProcess.RunToExitAsync("--check", $"--config={path}");

        Assert.Equal(1, code);
        Assert.Contains($"{path}:6:1 backends.pool.servers.me.addr: server 'me' (127.0.0.1:{port}) is frontend 'web' itself", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_refuses_a_stats_port_equal_to_a_frontend_port()
    {
        var port = _frontendPort.Port;
        var path = Write($"""
            [frontends.web]
            listen_addr = "127.0.0.1:{port}"
            backend = "pool"

            [backends.pool.servers.s1]
            addr = "127.0.0.1:{_serverPort.Port}"

            [stats]
            port = {port}
            """);

        var (code, _, error) = await HostProcess.RunToExitAsync("--check", $"--config={path}");

        Assert.Equal(1, code);
        Assert.Contains($"{path}:9:1 stats.port: the stats listener 127.0.0.1:{port} is also the listen address of frontend 'web'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_names_a_fifo_as_a_fifo_and_does_not_hang()
    {
        var path = Path.Combine(_folder, "convey.toml");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]))!)
        {
            Assert.True(mkfifo.WaitForExit(TimeSpan.FromSeconds(10)) && mkfifo.ExitCode == 0, "mkfifo failed");
        }

        // RunToExitAsync fails the test if the host has not exited within its bound.
        var (code, _, error) = await HostProcess.RunToExitAsync("--check", $"--config={path}");

        Assert.Equal(1, code);
        Assert.Contains("is a FIFO (named pipe), not a regular file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_names_a_directory_as_a_directory()
    {
        var (code, _, error) = await HostProcess.RunToExitAsync("--check", $"--config={_folder}");

        Assert.Equal(1, code);
        Assert.Contains("is a directory, not a regular file", error, StringComparison.Ordinal);
        Assert.DoesNotContain("does not exist", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--passthrough", "")]
    [InlineData(null, "mode = \"dsr\"")]
    public async Task Check_refuses_an_ipv6_packet_frontend_with_an_ipv4_server(string? defaultModeFlag, string mode)
    {
        var path = Write($"""
            [frontends.web]
            listen_addr = "[::1]:{_frontendPort.Port}"
            backend = "pool"
            {mode}

            [backends.pool.servers.s1]
            addr = "127.0.0.1:{_serverPort.Port}"
            """);

        string[] args = defaultModeFlag is null ? ["--check", $"--config={path}"] : ["--check", defaultModeFlag, $"--config={path}"];
        var (code, _, error) = await HostProcess.RunToExitAsync(args);

        Assert.Equal(1, code);
        Assert.Contains($"backends.pool.servers.s1.addr: server 's1' (127.0.0.1:{_serverPort.Port}) is IPv4, but frontend 'web' is a", error, StringComparison.Ordinal);
        Assert.Contains("cannot turn IPv6 into IPv4", error, StringComparison.Ordinal);
    }

    private string Write(string toml)
    {
        var path = Path.Combine(_folder, "convey.toml");
        File.WriteAllText(path, toml);
        return path;
    }
}
