namespace Convey.Proxy.Transport;

/// <summary>Takes connections off one frontend's listening socket.</summary>
internal abstract class ProxyAcceptor
{
    /// <summary>The next client connection; fails with <see cref="ObjectDisposedException"/> once closed.</summary>
    public abstract ValueTask<ProxySocket> AcceptAsync();

    /// <summary>Closes the listening socket (from any thread); a pending <see cref="AcceptAsync"/> ends.</summary>
    public abstract void Close();
}
