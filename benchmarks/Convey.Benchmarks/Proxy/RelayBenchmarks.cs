using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;

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
    private EngineUnderTest? _engine;
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
            _engine = await EngineUnderTest.StartAsync(_sink.EndPoint, o => o.UseSplice = Relay == "splice");
            frontend = _engine.Frontend;
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
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        _pipelines?.Dispose();
        _sink.Dispose();
    }
}
