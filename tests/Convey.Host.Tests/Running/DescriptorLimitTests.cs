using System.Net.Sockets;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

public class DescriptorLimitTests
{
    [SkippableFact]
    public async Task A_flood_beyond_the_descriptor_limit_is_refused_and_the_host_keeps_serving()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the descriptor budget is read on Linux");
        Prerequisite.RequireFile("/usr/bin/prlimit", "util-linux's prlimit gives the host a small descriptor limit");
        await using var backend = TestServer.ReadAllThenReply(100);
        using var config = HostConfigFile.Write([("b", backend.EndPoint)], withStats: false);
        await using var host = HostProcess.Start([$"--config={config.Path}"], descriptorLimit: 400);
        await host.WaitForOutputAsync("Convey started");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // 300 connections held open need 600 descriptors in the host, far beyond its 400.
        var flood = new List<Socket>();
        try
        {
            for (var i = 0; i < 300; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                flood.Add(socket);
                await socket.ConnectAsync(config.Frontend, timeout.Token);
            }

            await host.WaitForOutputAsync("refuses new ones", TimeSpan.FromSeconds(30));
        }
        finally
        {
            foreach (var socket in flood)
            {
                socket.Dispose();
            }
        }

        var reply = await Eventually.ReturnsAsync(
            async () =>
            {
                try
                {
                    return await Loopback.ExchangeAsync(config.Frontend, 10, timeout.Token);
                }
                catch (SocketException)
                {
                    return -1L;
                }
            },
            bytes => bytes == 100,
            "a connection is served again once the flood is gone");

        Assert.Equal(100, reply);
        Assert.Contains("holds up to", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Out of memory", host.Output + host.Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_descriptor_limit_too_small_for_32_connections_stops_the_start_with_exit_1_naming_the_limit_and_how_to_raise_it()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the descriptor budget is read on Linux");
        Prerequisite.RequireFile("/usr/bin/prlimit", "util-linux's prlimit gives the host a small descriptor limit");
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("b", backend.EndPoint)]);

        // A limit that leaves fewer than 32 connections beside the 128 kept aside and what is open at start: the JIT
        // build holds its ~140 assemblies open (256 leaves it none, and below about 200 it cannot load them), the native
        // binary about a dozen descriptors (256 would leave it 56 connections; 160 leaves it 9).
        var limit = HostBinary.IsNative ? 160 : 256;
        var (code, output, error) = await HostProcess.RunToExitAsync([$"--config={config.Path}"], descriptorLimit: limit);

        Assert.Equal(1, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"convey: the descriptor limit is too small: RLIMIT_NOFILE (soft) is {limit};", line, StringComparison.Ordinal);
        Assert.Contains("LimitNOFILE=", line, StringComparison.Ordinal);
        Assert.Contains("ulimit -n", line, StringComparison.Ordinal);
        Assert.DoesNotContain("started", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }
}
