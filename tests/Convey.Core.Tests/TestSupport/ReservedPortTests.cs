using System.Net;
using System.Net.Sockets;

namespace Convey.Core.Tests.TestSupport;

/// <summary>The shared port holder: a port no one else gets while a test holds it, on which the code under test can still listen.</summary>
public class ReservedPortTests
{
    [Fact]
    public async Task Connecting_to_a_reserved_port_is_refused()
    {
        using var port = new ReservedPort();

        var refused = await Assert.ThrowsAsync<SocketException>(async () => (await Loopback.ConnectAsync(port.EndPoint)).Dispose());

        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public void A_reserved_port_is_never_the_port_a_bind_to_port_0_gets()
    {
        using var port = new ReservedPort();
        var others = new List<Socket>();
        try
        {
            for (var i = 0; i < 500; i++)
            {
                var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                others.Add(other);
                other.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                Assert.NotEqual(port.EndPoint, other.LocalEndPoint);
            }
        }
        finally
        {
            others.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_server_listens_on_a_reserved_port_and_once_it_stops_the_port_refuses_again()
    {
        using var port = new ReservedPort();
        var server = TestServer.Echo(port: port.Port);
        using (var client = await Loopback.ConnectAsync(port.EndPoint))
        {
            await Loopback.AssertEchoAsync(client, "through the reserved port");
        }

        await server.DisposeAsync();

        var refused = await Assert.ThrowsAsync<SocketException>(async () => (await Loopback.ConnectAsync(port.EndPoint)).Dispose());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public void An_occupied_port_refuses_another_listener_until_the_squatter_leaves()
    {
        using var port = new ReservedPort();
        var squatter = port.Occupy();

        var taken = Assert.Throws<SocketException>(() => port.Occupy().Dispose());
        squatter.Dispose();
        using var next = port.Occupy();

        Assert.Equal(SocketError.AddressAlreadyInUse, taken.SocketErrorCode);
        Assert.Equal(port.EndPoint, next.LocalEndPoint);
    }

    [Fact]
    public async Task A_server_that_stops_listening_refuses_connections_on_its_port()
    {
        await using var server = TestServer.Echo();

        await server.StopListeningAsync();

        var refused = await Assert.ThrowsAsync<SocketException>(async () => (await Loopback.ConnectAsync(server.EndPoint)).Dispose());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }
}
