using System.Net;
using System.Net.Sockets;
using Convey.Proxy.Transport;
using Convey.Forwarding;

namespace Convey.Proxy.Inspection;

/// <summary>
/// Runs a frontend's inspectors over one client connection: each reads the connection's first bytes and may set the
/// client's address, choose the pool or reject. The bytes left unconsumed go to the server before the relay. It stays
/// with its connection after deciding: the addresses, the pool and the unconsumed bytes are read from it.
/// </summary>
internal sealed class ConnectionInspection : IDisposable
{
    private readonly InspectionChain _chain;
    private readonly InspectionReader _reader;
    private readonly CancellationTokenSource _deadline = new();
    private readonly ConnectionInspectionContext _context;
    private volatile bool _deciding = true;

    public ConnectionInspection(InspectionChain chain, ProxySocket client, string frontend, IPEndPoint clientEndPoint, IPEndPoint localEndPoint, string pool)
    {
        _chain = chain;
        _reader = new InspectionReader(client);
        _context = new ConnectionInspectionContext(frontend, _reader, clientEndPoint, localEndPoint, pool);
    }

    public IPEndPoint ClientEndPoint => _context.ClientEndPoint;

    public IPEndPoint LocalEndPoint => _context.LocalEndPoint;

    /// <summary>The pool the inspectors chose (the frontend's unless one changed it); null until they decided.</summary>
    public BackendPool? Pool { get; private set; }

    /// <summary>Whether the inspectors are still at work (the connect timeout applies to them).</summary>
    public bool IsDeciding => _deciding;

    /// <summary>The bytes read and not consumed by an inspector: the server gets them first.</summary>
    public ReadOnlyMemory<byte> Unconsumed => _reader.Unconsumed;

    /// <summary>The socket's wait for reading still under way, which the relay must await before its own; null when none is.</summary>
    public Task? PendingWait => _reader.PendingWait;

    /// <summary>
    /// Runs the inspectors, setting <see cref="Pool"/>; or the reason the connection is rejected (with the exception
    /// when an inspector failed). Where the client's socket runs.
    /// </summary>
    public async ValueTask<(string? RejectReason, Exception? Failure)> RunAsync()
    {
        try
        {
            foreach (var inspector in _chain.Inspectors)
            {
                _reader.Rewind();
                InspectionResult result;
                try
                {
                    result = await inspector.InspectAsync(_context, _deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_deadline.IsCancellationRequested)
                {
                    return ($"{inspector.GetType().Name} did not decide within connect_timeout", null);
                }
                catch (Exception ex) when (ex is not (SocketException or ObjectDisposedException))
                {
                    // An application's inspector is not trusted to be bug-free; the connection is the only casualty.
                    return ($"{inspector.GetType().Name} failed", ex);
                }

                if (result.IsRejected)
                {
                    return (result.RejectReason, null);
                }
            }

            Pool = _chain.FindPool(_context.Pool);
            return Pool is null ? ($"the pool '{_context.Pool}' chosen by an inspector does not exist", null) : (null, null);
        }
        finally
        {
            _deciding = false;
        }
    }

    /// <summary>The connect timeout passed while the inspectors decide: reads that need more bytes return canceled, the inspector's token is cancelled.</summary>
    public void Expire()
    {
        if (!_deciding)
        {
            return;
        }

        _reader.Expire();
        try
        {
            _deadline.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The inspection ended meanwhile (the sockets transport runs a connection on any thread).
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _deadline.Dispose();
    }
}
