using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Convey.Benchmarks.Proxy;

/// <summary>
/// The relay the engine did not take, kept here to measure against: one accepted connection relayed to a
/// server through a System.IO.Pipelines pipe per direction, written as Kestrel's socket transport does
/// (zero-byte read, GetMemory/Advance, FlushAsync backpressure, pooled memory), upstream direction only.
/// </summary>
internal sealed class PipelinesRelay : IDisposable
{
    private const int MinimumSegmentSize = 32 * 1024;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _server;

    public PipelinesRelay(IPEndPoint server)
    {
        _server = server;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _ = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public void Dispose() => _listener.Dispose();

    private static async Task ReceiveAsync(Socket from, PipeWriter writer)
    {
        while (true)
        {
            await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
            var memory = writer.GetMemory(MinimumSegmentSize);
            var read = await from.ReceiveAsync(memory, SocketFlags.None);
            if (read == 0)
            {
                break;
            }

            writer.Advance(read);
            var flush = await writer.FlushAsync();
            if (flush.IsCompleted)
            {
                break;
            }
        }

        await writer.CompleteAsync();
    }

    private static async Task SendAsync(PipeReader reader, Socket to)
    {
        while (true)
        {
            var result = await reader.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                await to.SendAsync(segment, SocketFlags.None);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await reader.CompleteAsync();
        to.Shutdown(SocketShutdown.Send);
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptAsync();
                client.NoDelay = true;
                var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await server.ConnectAsync(_server);
                var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false));
                _ = ReceiveAsync(client, pipe.Writer);
                _ = SendAsync(pipe.Reader, server);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
