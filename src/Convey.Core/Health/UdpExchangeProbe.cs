using System.Net;
using System.Net.Sockets;
using Convey.Configuration;

namespace Convey.Health;

/// <summary>
/// The probe of <c>health_check = "udp"</c>: a datagram with the pool's <c>health_check_send</c> goes to the server,
/// and the server is healthy when a reply starting with <c>health_check_expect</c> comes back before the probe
/// timeout. An ICMP port unreachable (nothing listens) fails the probe at once; replies that do not match are
/// skipped until the timeout, so a stray datagram cannot pass a probe.
/// </summary>
internal static class UdpExchangeProbe
{
    private const int MaxReply = 65_536;

    public static async ValueTask<HealthProbeResult> ProbeAsync(IPEndPoint address, HealthCheckConfig settings, CancellationToken cancellationToken)
    {
        ProbePayload.TryParse(settings.Send, out var request, out _);
        ProbePayload.TryParse(settings.Expect, out var expected, out _);
        using var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var reply = new byte[MaxReply];
        try
        {
            if (ProbeSource.For(address.Address) is { } source)
            {
                socket.Bind(source);
            }

            // Connected: the kernel delivers only the server's datagrams, and reports its ICMP errors to this socket.
            await socket.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
            await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var length = await socket.ReceiveAsync(reply, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (reply.AsSpan(0, length).StartsWith(expected))
                {
                    return HealthProbeResult.Healthy;
                }
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return HealthProbeResult.Unhealthy("port unreachable (ICMP): nothing listens on that UDP port");
        }
        catch (SocketException ex)
        {
            return HealthProbeResult.Unhealthy(ex.SocketErrorCode.ToString());
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return HealthProbeResult.Unhealthy(expected.Length == 0 ? "no reply" : "no reply that starts as health_check_expect says");
        }
    }
}
