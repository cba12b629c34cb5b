using System.Net.Sockets;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

public class ShutdownTests
{
    [Fact]
    public async Task Sigterm_during_a_transfer_lets_it_finish_then_exits_0()
    {
        const int Chunks = 8, ChunkSize = 256 * 1024;
        var sendTheRest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = TestServer.Start(async (socket, stopping) =>
        {
            await Loopback.SendAsync(socket, ChunkSize, stopping);
            await sendTheRest.Task.WaitAsync(stopping);
            await Loopback.SendAsync(socket, (Chunks - 1L) * ChunkSize, stopping);
            socket.Shutdown(SocketShutdown.Send);
        });
        using var config = HostConfigFile.Write([("slow", backend.EndPoint)], withStats: false);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Convey started");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(config.Frontend, timeout.Token);
        client.Shutdown(SocketShutdown.Send);
        var firstChunk = new TaskCompletionSource();
        var transfer = Loopback.CountToEndAsync(client, total =>
        {
            if (total >= ChunkSize)
            {
                firstChunk.TrySetResult();
            }
        }, timeout.Token);

        await firstChunk.Task.WaitAsync(timeout.Token);
        host.Terminate();
        // The rest of the transfer starts only once the host is shutting down: the drain must let it through.
        await host.WaitForOutputAsync("Application is shutting down");
        sendTheRest.SetResult();
        var received = await transfer;
        var exitCode = await host.WaitForExitAsync();

        Assert.Equal((long)Chunks * ChunkSize, received);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Without_a_stats_table_the_host_opens_no_http_listener()
    {
        await using var backend = TestServer.ReadAllThenReply(16);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)], withStats: false);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");

        Assert.Equal(16, await Loopback.ExchangeAsync(config.Frontend, 16));
        Assert.DoesNotContain("Now listening on", host.Output, StringComparison.Ordinal);

        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync());
    }
}
