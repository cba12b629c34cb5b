using System.Net;
using System.Net.Sockets;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Proxy.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Convey.Proxy.Tests;

public class ListenTests
{
    private const int SolSocket = 1, SoReuseAddr = 2, SoReusePort = 15;

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Frontend_that_listens_is_reported_listening_with_the_transport_that_serves_it(RelayPath path)
    {
        await using var server = TestServer.Echo();
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]), options: RelayPaths.Options(path));

        Assert.True(proxy.FrontendState().IsListening);
        Assert.Null(proxy.FrontendState().ListenError);
        Assert.Equal(RelayPaths.TransportName(path), proxy.FrontendState().Transport);
    }

    [Fact]
    public async Task Start_with_a_taken_port_fails_naming_the_frontend_the_address_and_the_reason()
    {
        await using var server = TestServer.Echo();
        var config = ProxyFixture.Config([server.EndPoint]);
        using var squatter = ProxyFixture.OccupyFrontendPort(config.Frontends[0].ListenEndPoint);

        var refused = await Assert.ThrowsAsync<FrontendListenException>(() => ProxyFixture.StartAsync(config));

        var failure = Assert.Single(refused.Failures);
        Assert.Equal("front", failure.Frontend);
        Assert.Equal(config.Frontends[0].ListenEndPoint, failure.EndPoint);
        Assert.StartsWith("address already in use", failure.Reason, StringComparison.Ordinal);
        Assert.Equal($"frontend 'front' cannot listen on {failure.EndPoint}: {failure.Reason}", refused.Message);
    }

    [Fact]
    public async Task Start_on_an_address_no_interface_holds_fails_saying_it_is_not_local()
    {
        await using var server = TestServer.Echo();
        var config = ProxyFixture.Config([server.EndPoint], frontend: f => f with { ListenEndPoint = new IPEndPoint(IPAddress.Parse("198.18.0.1"), f.ListenEndPoint.Port) });

        var refused = await Assert.ThrowsAsync<FrontendListenException>(() => ProxyFixture.StartAsync(config));

        Assert.StartsWith("address not local (cannot assign requested address)", Assert.Single(refused.Failures).Reason, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Reload_adding_a_frontend_on_a_taken_port_applies_the_rest_and_retries_every_5_seconds_until_it_listens(RelayPath path)
    {
        var time = new FakeTimeProvider();
        await using var server = TestServer.Echo();
        var baseline = ProxyFixture.Config([server.EndPoint]);
        await using var proxy = await ProxyFixture.StartAsync(baseline, time, RelayPaths.Options(path));
        using var takenPort = new ReservedPort();
        var taken = takenPort.EndPoint;
        var squatter = takenPort.Occupy();
        var other = ProxyFixture.FrontendPort();

        await proxy.UpdateAsync(baseline with
        {
            Frontends = [baseline.Frontends[0], Frontend("taken", taken), Frontend("other", other)],
        });

        Assert.False(proxy.FrontendState("taken").IsListening);
        Assert.StartsWith("address already in use", proxy.FrontendState("taken").ListenError, StringComparison.Ordinal);
        Assert.True(proxy.FrontendState("other").IsListening);
        using (var client = await Loopback.ConnectAsync(other))
        {
            await Loopback.AssertEchoAsync(client, "the rest of the reload applies");
        }

        squatter.Dispose();
        time.Advance(ProxyEngine.ListenRetryInterval - TimeSpan.FromMilliseconds(1));
        Assert.False(proxy.FrontendState("taken").IsListening);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.TrueAsync(() => proxy.FrontendState("taken").IsListening, "the retry binds the freed port");
        Assert.Null(proxy.FrontendState("taken").ListenError);
        using var retried = await Loopback.ConnectAsync(taken);
        await Loopback.AssertEchoAsync(retried, "listening after the retry");
    }

    [Fact]
    public async Task Removing_a_frontend_that_cannot_listen_stops_its_retries()
    {
        var time = new FakeTimeProvider();
        await using var server = TestServer.Echo();
        var baseline = ProxyFixture.Config([server.EndPoint]);
        await using var proxy = await ProxyFixture.StartAsync(baseline, time);
        using var takenPort = new ReservedPort();
        var taken = takenPort.EndPoint;
        using (takenPort.Occupy())
        {
            await proxy.UpdateAsync(baseline with { Frontends = [baseline.Frontends[0], Frontend("taken", taken)] });
            Assert.False(proxy.FrontendState("taken").IsListening);
            await proxy.UpdateAsync(baseline with { Frontends = [baseline.Frontends[0]] });
        }

        time.Advance(ProxyEngine.ListenRetryInterval * 2);

        Assert.Null(proxy.Engine.GetListenEndPoint("taken"));
        using var squatter = takenPort.Occupy();
        Assert.Equal(taken, squatter.LocalEndPoint);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Listener_refuses_a_second_socket_on_its_address_even_one_asking_for_SO_REUSEPORT(RelayPath path)
    {
        await using var server = TestServer.Echo();
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]), options: RelayPaths.Options(path));
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SetOption(second, SoReuseAddr);
        SetOption(second, SoReusePort);

        var error = Assert.Throws<SocketException>(() => second.Bind(proxy.Frontend()));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Listener_with_reuse_port_shares_its_address_with_another_SO_REUSEPORT_socket(RelayPath path)
    {
        await using var server = TestServer.Echo();
        await using var proxy = await ProxyFixture.StartAsync(
            ProxyFixture.Config([server.EndPoint], frontend: f => f with { Settings = new ConfigSettings([new("reuse_port", "true")]) }), options: RelayPaths.Options(path));
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SetOption(second, SoReuseAddr);
        SetOption(second, SoReusePort);

        second.Bind(proxy.Frontend());
        second.Listen();

        Assert.Equal(proxy.Frontend(), second.LocalEndPoint);
    }

    private static FrontendConfig Frontend(string name, IPEndPoint listen) =>
        new() { Name = name, ListenEndPoint = listen, Pool = "pool" };

    private static void SetOption(Socket socket, int option) =>
        socket.SetRawSocketOption(SolSocket, option, BitConverter.GetBytes(1));
}
