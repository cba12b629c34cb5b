using System.Net;
using System.Net.Sockets;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

public class StartupFailureTests
{
    [Fact]
    public async Task A_taken_stats_port_exits_1_with_one_clear_line_and_no_stack_trace()
    {
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        using var squatter = config.Occupy(config.Stats!);

        var (code, output, error) = await HostProcess.RunToExitAsync($"--config={config.Path}");

        Assert.Equal(1, code);
        Assert.Contains($"convey: cannot open a listener: Failed to bind to address http://{config.Stats}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_frontend_whose_port_is_taken_exits_1_with_one_line_naming_it_and_never_says_started()
    {
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        using var squatter = config.Occupy(config.Frontend);

        var (code, output, error) = await HostProcess.RunToExitAsync($"--config={config.Path}");

        Assert.Equal(1, code);
        var line = Assert.Single(Lines(error));
        Assert.Equal($"convey: frontend 'pool_in' cannot listen on {config.Frontend}: address already in use: another process (or another Convey) listens there; stop it or choose another port", line);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("started", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_frontend_on_an_address_this_host_does_not_hold_exits_1_saying_the_address_is_not_local()
    {
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        var foreign = new IPEndPoint(IPAddress.Parse("198.18.0.1"), config.Frontend.Port);
        await File.WriteAllTextAsync(config.Path, (await File.ReadAllTextAsync(config.Path)).Replace(config.Frontend.ToString(), foreign.ToString(), StringComparison.Ordinal));

        var (code, output, error) = await HostProcess.RunToExitAsync($"--config={config.Path}");

        Assert.Equal(1, code);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith($"convey: frontend 'pool_in' cannot listen on {foreign}: address not local (cannot assign requested address)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("started", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_passthrough_frontend_on_an_address_this_host_does_not_hold_exits_1_with_one_line_naming_it()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the packet engine runs on Linux");
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)], withStats: false);
        var foreign = new IPEndPoint(IPAddress.Parse("198.18.0.1"), config.Frontend.Port);
        var toml = (await File.ReadAllTextAsync(config.Path))
            .Replace(config.Frontend.ToString(), foreign.ToString(), StringComparison.Ordinal)
            .Replace("backend = \"pool\"", "backend = \"pool\"\nmode = \"passthrough\"\nmanage_firewall = false", StringComparison.Ordinal);
        await File.WriteAllTextAsync(config.Path, toml);

        var (code, output, error) = await HostProcess.RunToExitAsync($"--config={config.Path}");

        Assert.Equal(1, code);
        var line = Assert.Single(Lines(error));
        Assert.Equal($"convey: frontend 'pool_in' cannot listen on {foreign}: address not local: no interface of this host holds 198.18.0.1; add it to an interface (lo or a dummy interface will do when the traffic is routed to this host)", line);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("started", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_frontend_on_a_privileged_port_without_the_capability_exits_1_saying_permission_denied()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "privileged ports are a Linux matter here");
        Prerequisite.RequireFile("/usr/bin/setpriv", "util-linux's setpriv runs the host without CAP_NET_BIND_SERVICE");
        var unprivilegedStart = int.Parse(await File.ReadAllTextAsync("/proc/sys/net/ipv4/ip_unprivileged_port_start"), System.Globalization.CultureInfo.InvariantCulture);
        Skip.If(unprivilegedStart <= 1, "net.ipv4.ip_unprivileged_port_start lets everyone bind every port here");
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)], withStats: false);
        var privileged = new IPEndPoint(IPAddress.Loopback, 1);
        await File.WriteAllTextAsync(config.Path, (await File.ReadAllTextAsync(config.Path)).Replace(config.Frontend.ToString(), privileged.ToString(), StringComparison.Ordinal));

        var (code, output, error) = await HostProcess.RunToExitAsync(
            [$"--config={config.Path}"], descriptorLimit: null,
            launcher: ["setpriv", "--bounding-set", "-net_bind_service", "--inh-caps", "-net_bind_service"]);

        Assert.Equal(1, code);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith($"convey: frontend 'pool_in' cannot listen on {privileged}: permission denied: port 1 needs root or CAP_NET_BIND_SERVICE", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
