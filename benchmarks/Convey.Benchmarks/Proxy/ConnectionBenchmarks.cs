using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Convey.Proxy;

namespace Convey.Benchmarks.Proxy;

/// <summary>
/// Short proxied connections (connect, request, reply, close), the shape of wrk's <c>Connection: close</c> run
/// in peers.py: one operation is one connection from each of <see cref="Clients"/> concurrent clients. The
/// allocated column includes the benchmark's own client and server sockets: the <c>direct</c> row (no proxy) is
/// that baseline, so a transport's row minus it, divided by <see cref="Clients"/>, is what the proxy allocates per
/// connection.
/// </summary>
[MemoryDiagnoser]
public class ConnectionBenchmarks
{
    private static readonly byte[] Request = "GET / HTTP/1.0\r\n\r\n"u8.ToArray();
    private AnsweringServer _server = null!;
    private EngineUnderTest? _engine;
    private IPEndPoint _target = null!;

    [Params("direct", "epoll", "io_uring", "sockets")]
    public string Path { get; set; } = "epoll";

    [Params(1, 64)]
    public int Clients { get; set; } = 1;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = new AnsweringServer();
        if (Path == "direct")
        {
            _target = _server.EndPoint;
            return;
        }

        var transport = Path switch
        {
            "epoll" => ProxyTransport.Epoll,
            "io_uring" => ProxyTransport.IoUring,
            _ => ProxyTransport.Sockets,
        };
        _engine = await EngineUnderTest.StartAsync(_server.EndPoint, o => o.Transport = transport);
        _target = _engine.Frontend;
    }

    [Benchmark]
    public async Task<int> ShortConnections()
    {
        if (Clients == 1)
        {
            return await ConnectOnceAsync();
        }

        var replies = new Task<int>[Clients];
        for (var i = 0; i < replies.Length; i++)
        {
            replies[i] = ConnectOnceAsync();
        }

        return (await Task.WhenAll(replies)).Sum();
    }

    private async Task<int> ConnectOnceAsync()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(_target);
        await client.SendAsync(Request, SocketFlags.None);
        var reply = new byte[512];
        var total = 0;
        int read;
        while ((read = await client.ReceiveAsync(reply, SocketFlags.None)) > 0)
        {
            total += read;
        }

        return total;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        _server.Dispose();
    }
}
