using System.Security.Cryptography;
using Convey.Proxy.Tests.Support;
using Convey.Proxy.Transport;
using Convey.Proxy.Transport.IoUring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Convey.Proxy.Tests.Transport;

public class IoUringTransportTests
{
    [SkippableFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Every_byte_arrives_when_the_buffer_pool_runs_dry_and_the_queues_are_tiny()
    {
        // 4 buffers of 4 KiB for 16 connections moving 1 MiB each way, an 8-entry submission queue and a 16-entry
        // completion queue: receives end with ENOBUFS and are armed again as buffers come back, the submission queue
        // is flushed mid-turn, completions overflow into the kernel's backlog. None of it may lose or reorder a byte.
        var transport = RelayPaths.Options(RelayPath.IoUring);
        const int Size = 1024 * 1024;
        await using var server = TestServer.Start(async socket =>
        {
            var received = await Loopback.ReadToEndAsync(socket);
            await socket.SendAsync(received);
            socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        });
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]), options: o =>
        {
            transport(o);
            o.EventLoops = 1;
            o.BufferSize = 4096;
            o.IoUringSizes = new IoUringSizes(8, 16, 4);
        });

        var payloads = Enumerable.Range(0, 16).Select(_ => RandomNumberGenerator.GetBytes(Size)).ToArray();
        var replies = await Task.WhenAll(payloads.Select(async payload =>
        {
            using var client = await Loopback.ConnectAsync(proxy.Frontend());
            var sending = Task.Run(async () =>
            {
                await client.SendAsync(payload);
                client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            });
            var reply = await Loopback.ReadToEndAsync(client);
            await sending;
            return reply;
        }));

        for (var i = 0; i < payloads.Length; i++)
        {
            Assert.True(payloads[i].AsSpan().SequenceEqual(replies[i]), $"connection {i} got its bytes back intact");
        }

        var loop = ((IoUringTransport)proxy.Engine.Transport).NextLoop();
        Assert.True(loop.StarvedReceives > 0, "the pool ran dry at least once (else this test proves nothing)");
        await Eventually.ReturnsAsync(() => proxy.FrontendState().ActiveConnections, active => active == 0, "connections closed");
    }

    [SkippableFact]
    public void Asked_for_io_uring_where_the_kernel_refuses_it_the_engine_runs_on_epoll_and_says_why()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the fallback is to epoll, which exists on Linux only");
        var logger = new ListLogger();
        using var transport = TransportFactory.Create(
            new ProxyEngineOptions { Transport = ProxyTransport.IoUring },
            logger,
            ioUringUnavailable: () => "io_uring_setup failed: Operation not permitted (errno 1)");

        Assert.Equal("epoll", transport.Name);
        Assert.Contains(logger.Lines, l => l.Id == ProxyLogEvents.IoUringUnavailable && l.Message.Contains("Operation not permitted (errno 1)", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Id == ProxyLogEvents.TransportChosen && l.Message.Contains("epoll", StringComparison.Ordinal));
    }

    private sealed class ListLogger : ILogger
    {
        public List<(int Id, string Message)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => NullLogger.Instance.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((eventId.Id, formatter(state, exception)));
    }
}
