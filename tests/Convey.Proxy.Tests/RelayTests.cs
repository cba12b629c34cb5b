using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Convey.Proxy.Tests.Support;

namespace Convey.Proxy.Tests;

public class RelayTests
{
    private const int PayloadSize = 20 * 1024 * 1024;

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.All), MemberType = typeof(RelayPaths))]
    public async Task Relays_20_MB_each_way_intact_on_concurrent_connections(RelayPath path)
    {
        var serverPayload = RandomNumberGenerator.GetBytes(PayloadSize);
        var receivedByServer = new System.Collections.Concurrent.ConcurrentBag<string>();
        await using var server = TestServer.Start(async socket =>
        {
            var sending = SendAndShutdownAsync(socket, serverPayload);
            receivedByServer.Add(Convert.ToHexString(SHA256.HashData(await Loopback.ReadToEndAsync(socket))));
            await sending;
        });
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]), options: RelayPaths.Options(path));

        var clientPayloads = Enumerable.Range(0, 4).Select(_ => RandomNumberGenerator.GetBytes(PayloadSize)).ToArray();
        var received = await Task.WhenAll(clientPayloads.Select(async payload =>
        {
            using var client = await Loopback.ConnectAsync(proxy.Frontend());
            var sending = SendAndShutdownAsync(client, payload);
            var reply = await Loopback.ReadToEndAsync(client);
            await sending;
            return reply;
        }));

        var expected = Convert.ToHexString(SHA256.HashData(serverPayload));
        Assert.All(received, reply => Assert.Equal(expected, Convert.ToHexString(SHA256.HashData(reply))));
        await Loopback.EventuallyAsync(() => receivedByServer.Count == clientPayloads.Length, "server read every upload");
        Assert.Equal(
            clientPayloads.Select(p => Convert.ToHexString(SHA256.HashData(p))).Order(),
            receivedByServer.Order());
        await Loopback.EventuallyAsync(() => proxy.FrontendState().ActiveConnections == 0, "connections closed");
        Assert.Equal(4L * PayloadSize, proxy.FrontendState().BytesIn);
        Assert.Equal(4L * PayloadSize, proxy.FrontendState().BytesOut);
        Assert.Equal(4L * PayloadSize, proxy.Servers()[0].BytesSent);
        Assert.Equal(4L * PayloadSize, proxy.Servers()[0].BytesReceived);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.All), MemberType = typeof(RelayPaths))]
    public async Task Client_that_half_closes_still_receives_the_full_reply(RelayPath path)
    {
        // The server answers only after the client has finished sending: it needs the half-close relayed,
        // and the reply must still travel back on the half-closed connection.
        await using var server = TestServer.Start(async socket =>
        {
            var request = await Loopback.ReadToEndAsync(socket);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"got {request.Length} bytes"), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        });
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]), options: RelayPaths.Options(path));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await client.SendAsync(new byte[100_000], SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("got 100000 bytes", Encoding.ASCII.GetString(await Loopback.ReadToEndAsync(client)));
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.All), MemberType = typeof(RelayPaths))]
    public async Task Reset_by_the_client_reaches_the_server_as_a_reset(RelayPath path)
    {
        var serverSaw = new TaskCompletionSource<SocketError>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = TestServer.Start(async socket =>
        {
            try
            {
                await Loopback.ReadToEndAsync(socket);
                serverSaw.TrySetResult(SocketError.Success);
            }
            catch (SocketException ex)
            {
                serverSaw.TrySetResult(ex.SocketErrorCode);
            }
        });
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]), options: RelayPaths.Options(path));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await client.SendAsync(Encoding.ASCII.GetBytes("hello"), SocketFlags.None);
        await Loopback.EventuallyAsync(() => server.Connections == 1, "server connected");
        client.LingerState = new LingerOption(true, 0);
        client.Close();

        Assert.Equal(SocketError.ConnectionReset, await serverSaw.Task.WaitAsync(Loopback.Patience));
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.All), MemberType = typeof(RelayPaths))]
    public async Task Serves_IPv6_clients_and_servers(RelayPath path)
    {
        await using var server = TestServer.Echo(IPAddress.IPv6Loopback);
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint], listen: IPAddress.IPv6Loopback), options: RelayPaths.Options(path));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await Loopback.AssertEchoAsync(client, "over IPv6");
        Assert.Equal(AddressFamily.InterNetworkV6, proxy.Frontend().AddressFamily);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.All), MemberType = typeof(RelayPaths))]
    public async Task Reset_by_the_server_reaches_the_client_as_a_reset(RelayPath path)
    {
        await using var server = TestServer.Start(async socket =>
        {
            await Loopback.ReadExactlyAsync(socket, 5);
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        });
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]), options: RelayPaths.Options(path));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await client.SendAsync(Encoding.ASCII.GetBytes("hello"), SocketFlags.None);

        var reset = await Assert.ThrowsAsync<SocketException>(() => Loopback.ReadToEndAsync(client));
        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.All), MemberType = typeof(RelayPaths))]
    public async Task A_slow_reader_holds_back_the_sender_without_losing_bytes(RelayPath path)
    {
        // More than the kernel buffers on the way can hold (client receive + proxy send, a few MiB each), so the
        // relay must stop at a full socket and resume when the client reads.
        const int size = 32 * 1024 * 1024;
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        await using var server = TestServer.Start(async socket =>
        {
            await socket.SendAsync(payload, SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        });
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]), options: RelayPaths.Options(path));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await Task.Delay(300);

        Assert.Equal(payload, await Loopback.ReadToEndAsync(client));
    }

    private static async Task SendAndShutdownAsync(Socket socket, byte[] payload)
    {
        await socket.SendAsync(payload, SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
    }
}
