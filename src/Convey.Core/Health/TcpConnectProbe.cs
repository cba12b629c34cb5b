using System.Net;
using System.Net.Sockets;

namespace Convey.Health;

/// <summary>
/// The default probe: a server is healthy when a TCP connection to it opens; the connection is closed at once. An IPv6
/// probe leaves from the host's address in the server's subnet when there is one (<see cref="ProbeSource"/>).
/// </summary>
internal sealed class TcpConnectProbe : IHealthProbe
{
    /// <inheritdoc />
    public async ValueTask<HealthProbeResult> ProbeAsync(IPEndPoint address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ProbeSource.For(address.Address) is { } source)
            {
                socket.Bind(source);
            }

            await socket.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
            socket.LingerState = new LingerOption(true, 0);
            return HealthProbeResult.Healthy;
        }
        catch (SocketException ex)
        {
            return HealthProbeResult.Unhealthy(ex.SocketErrorCode.ToString());
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return HealthProbeResult.Unhealthy("timed out");
        }
    }
}
