using System.Net;
using System.Net.Sockets;

namespace Convey.Benchmarks.Health;

/// <summary>
/// Loopback ports held bound but never listening: a connection to one is refused at once (RST), and no other
/// process can start listening there while the benchmark runs.
/// </summary>
internal sealed class RefusingPorts : IDisposable
{
    private readonly Socket[] _sockets;

    public RefusingPorts(int count)
    {
        _sockets = new Socket[count];
        for (var i = 0; i < count; i++)
        {
            _sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _sockets[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
        }

        EndPoints = [.. _sockets.Select(s => (IPEndPoint)s.LocalEndPoint!)];
    }

    public IReadOnlyList<IPEndPoint> EndPoints { get; }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }
}
