using System.Net.Sockets;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

public class DescriptorLimitTests
{
    [SkippableFact]
    public async Task A_flood_beyond_the_descriptor_limit_is_refused_and_the_host_keeps_serving()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/usr/bin/prlimit"), "needs Linux and prlimit (util-linux) to give the host a small descriptor limit");
        await using var backend = TestBackend.ReadAllThenReply(100);
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
                    return await Traffic.ExchangeAsync(config.Frontend, 10, timeout.Token);
                }
                catch (SocketException)
                {
                    return -1L;
                }
            },
            bytes => bytes == 100);

        Assert.Equal(100, reply);
        Assert.Contains("holds up to", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Out of memory", host.Output + host.Error, StringComparison.Ordinal);
    }
}
