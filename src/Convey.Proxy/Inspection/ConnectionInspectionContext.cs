using System.IO.Pipelines;
using System.Net;

namespace Convey.Proxy.Inspection;

/// <summary>One client connection while its frontend's inspectors run.</summary>
public sealed class ConnectionInspectionContext
{
    internal ConnectionInspectionContext(string frontend, PipeReader input, IPEndPoint client, IPEndPoint local, string pool)
    {
        Frontend = frontend;
        Input = input;
        ClientEndPoint = client;
        LocalEndPoint = local;
        Pool = pool;
    }

    /// <summary>The frontend's name.</summary>
    public string Frontend { get; }

    /// <summary>
    /// The client's first bytes. Each inspector starts reading at the first byte no earlier inspector consumed; a
    /// read reports <c>IsCompleted</c> when the client ended its stream or the engine holds as many bytes as it
    /// inspects at most (<see cref="MaxInspectedBytes"/>).
    /// </summary>
    public PipeReader Input { get; }

    /// <summary>
    /// The client's address: the socket's peer until an inspector sets it (<c>accept_proxy</c> sets the source of
    /// the PROXY header). Balancing (source hashing), <c>send_proxy</c> and the logs use it.
    /// </summary>
    public IPEndPoint ClientEndPoint { get; set; }

    /// <summary>The address the client connected to: the frontend's socket until an inspector sets it.</summary>
    public IPEndPoint LocalEndPoint { get; set; }

    /// <summary>The name of the pool the connection goes to: the frontend's <c>backend</c> until an inspector sets it.</summary>
    public string Pool { get; set; }

    /// <summary>Most bytes of a connection held for inspection: a PROXY v2 header of the largest size fits.</summary>
    public const int MaxInspectedBytes = 16 + 65535;
}
