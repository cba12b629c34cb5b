using System.Net;
using System.Net.Sockets;
using Convey.Health;

namespace Convey.Core.Tests.Health;

public class TcpConnectProbeTests
{
    private readonly TcpConnectProbe _probe = new();

    [Fact]
    public async Task Listening_server_is_healthy_and_the_connection_is_closed_at_once()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();

        var result = await _probe.ProbeAsync((IPEndPoint)listener.LocalEndPoint!, CancellationToken.None);

        Assert.True(result.IsHealthy);
        using var accepted = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var buffer = new byte[1];
        var closed = await Record.ExceptionAsync(async () =>
            Assert.Equal(0, await accepted.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(30))));
        Assert.True(closed is null or SocketException { SocketErrorCode: SocketError.ConnectionReset });
    }

    [Fact]
    public async Task Closed_port_is_unhealthy_with_the_socket_error()
    {
        using var closed = new ReservedPort();

        var result = await _probe.ProbeAsync(closed.EndPoint, CancellationToken.None);

        Assert.False(result.IsHealthy);
        Assert.Equal(nameof(SocketError.ConnectionRefused), result.Failure);
    }

    [Fact]
    public async Task Cancelled_probe_is_unhealthy_as_timed_out()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        using var closed = new ReservedPort();

        var result = await _probe.ProbeAsync(closed.EndPoint, cancelled.Token);

        Assert.False(result.IsHealthy);
        Assert.Equal("timed out", result.Failure);
    }
}
