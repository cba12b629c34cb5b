using System.Net.Sockets;

namespace Convey.Proxy.Transport.Sockets;

/// <summary>Accepts with <see cref="Socket.AcceptAsync(CancellationToken)"/>.</summary>
internal sealed class SocketsAcceptor(Socket listening) : ProxyAcceptor
{
    public override async ValueTask<ProxySocket> AcceptAsync() =>
        new SocketsProxySocket(await listening.AcceptAsync(CancellationToken.None).ConfigureAwait(false));

    public override void Close() => listening.Dispose();
}
