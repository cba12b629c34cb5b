using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Convey.Benchmarks.Health;

/// <summary>
/// A few persistent connections through a frontend to an echo server, each sending a small request and timing its
/// echo, one at a time, back to back: the latency of proxied requests on a healthy pool.
/// </summary>
internal sealed class EchoLatencyClients : IDisposable
{
    private const int RequestSize = 64;
    private readonly Socket[] _connections;

    private EchoLatencyClients(Socket[] connections) => _connections = connections;

    public static async Task<EchoLatencyClients> ConnectAsync(IPEndPoint frontend, int count)
    {
        var connections = new Socket[count];
        for (var i = 0; i < count; i++)
        {
            connections[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await connections[i].ConnectAsync(frontend);
        }

        return new EchoLatencyClients(connections);
    }

    /// <summary>Times requests on every connection for <paramref name="duration"/>; returns each request's latency in microseconds.</summary>
    public async Task<double[]> MeasureAsync(TimeSpan duration)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var perConnection = await Task.WhenAll(_connections.Select(c => Task.Run(() => MeasureAsync(c, until))));
        return [.. perConnection.SelectMany(l => l)];
    }

    public void Dispose()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }
    }

    private static async Task<List<double>> MeasureAsync(Socket connection, long until)
    {
        var request = new byte[RequestSize];
        var reply = new byte[RequestSize];
        var latencies = new List<double>(100_000);
        while (Stopwatch.GetTimestamp() < until)
        {
            var sent = Stopwatch.GetTimestamp();
            await connection.SendAsync(request, SocketFlags.None);
            var received = 0;
            while (received < RequestSize)
            {
                var read = await connection.ReceiveAsync(reply.AsMemory(received), SocketFlags.None);
                if (read == 0)
                {
                    throw new InvalidOperationException("The proxy closed a connection of the healthy pool.");
                }

                received += read;
            }

            latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMicroseconds);
        }

        return latencies;
    }
}
