using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Proxy;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Convey.Benchmarks.Proxy;

/// <summary>
/// Bytes relayed per second on loopback, client → proxy → sink, and what the proxy allocates for it:
/// the engine's buffer path, its splice(2) path, and a System.IO.Pipelines relay written the Kestrel way
/// (for comparison only; see docs/benchmarks.md). One operation moves <see cref="TransferSize"/> bytes.
/// </summary>
[MemoryDiagnoser]
public class RelayBenchmarks
{
    public const int TransferSize = 16 * 1024 * 1024;
    private readonly byte[] _payload = new byte[1024 * 1024];
    private SinkServer _sink = null!;
    private ServiceProvider? _services;
    private PipelinesRelay? _pipelines;
    private Socket _client = null!;

    [Params("buffer", "splice", "pipelines")]
    public string Relay { get; set; } = "buffer";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        Random.Shared.NextBytes(_payload);
        _sink = new SinkServer();
        IPEndPoint frontend;
        if (Relay == "pipelines")
        {
            _pipelines = new PipelinesRelay(_sink.EndPoint);
            frontend = _pipelines.EndPoint;
        }
        else
        {
            frontend = await StartEngineAsync(Relay == "splice");
        }

        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await _client.ConnectAsync(frontend);
    }

    [Benchmark]
    public async Task Relay16MB()
    {
        var target = _sink.Received + TransferSize;
        for (var sent = 0; sent < TransferSize; sent += _payload.Length)
        {
            await _client.SendAsync(_payload.AsMemory(), SocketFlags.None);
        }

        await _sink.WaitForAsync(target);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _client.Dispose();
        if (_services is not null)
        {
            foreach (var service in _services.GetServices<IHostedService>())
            {
                await service.StopAsync(CancellationToken.None);
            }

            await _services.DisposeAsync();
        }

        _pipelines?.Dispose();
        _sink.Dispose();
    }

    private async Task<IPEndPoint> StartEngineAsync(bool splice)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var listen = FreePort();
        services.AddConveyCore()
            .AddInMemoryConfig(new ConveyConfig
            {
                Frontends = [new FrontendConfig { Name = "bench", ListenEndPoint = listen, Backend = "sink" }],
                Backends = [new BackendPoolConfig { Name = "sink", Servers = [new ServerConfig { Name = "sink", Address = _sink.EndPoint }] }],
            })
            .AddForwardingEngine<ProxyEngine>();
        services.Configure<ProxyEngineOptions>(o => o.UseSplice = splice);
        _services = services.BuildServiceProvider();
        foreach (var service in _services.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }

        return _services.GetServices<IForwardingEngine>().OfType<ProxyEngine>().Single().GetListenEndPoint("bench")!;
    }

    private static IPEndPoint FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }
}
