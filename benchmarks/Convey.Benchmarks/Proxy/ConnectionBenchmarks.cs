using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Proxy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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
    private ServiceProvider? _services;
    private IPEndPoint _target = null!;

    [Params("direct", "epoll", "sockets")]
    public string Path { get; set; } = "epoll";

    [Params(1, 64)]
    public int Clients { get; set; } = 1;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = new AnsweringServer();
        _target = Path == "direct" ? _server.EndPoint : await StartEngineAsync(Path == "epoll" ? ProxyTransport.Epoll : ProxyTransport.Sockets);
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
        if (_services is not null)
        {
            foreach (var service in _services.GetServices<IHostedService>())
            {
                await service.StopAsync(CancellationToken.None);
            }

            await _services.DisposeAsync();
        }

        _server.Dispose();
    }

    private async Task<IPEndPoint> StartEngineAsync(ProxyTransport transport)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        using var port = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        port.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var listen = (IPEndPoint)port.LocalEndPoint!;
        port.Dispose();
        services.AddConveyCore()
            .AddInMemoryConfig(new ConveyConfig
            {
                Frontends = [new FrontendConfig { Name = "bench", ListenEndPoint = listen, Backend = "answer" }],
                Backends = [new BackendPoolConfig { Name = "answer", Servers = [new ServerConfig { Name = "answer", Address = _server.EndPoint }] }],
            })
            .AddForwardingEngine<ProxyEngine>();
        services.Configure<ProxyEngineOptions>(o => o.Transport = transport);
        _services = services.BuildServiceProvider();
        foreach (var service in _services.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }

        return _services.GetServices<IForwardingEngine>().OfType<ProxyEngine>().Single().GetListenEndPoint("bench")!;
    }
}
