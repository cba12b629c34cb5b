using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Convey.Forwarding;
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
        await Eventually.TrueAsync(() => receivedByServer.Count == clientPayloads.Length, "server read every upload");
        Assert.Equal(
            clientPayloads.Select(p => Convert.ToHexString(SHA256.HashData(p))).Order(),
            receivedByServer.Order());
        await Eventually.ReturnsAsync(() => proxy.FrontendState().ActiveConnections, active => active == 0, "connections closed");
        Assert.Equal(4L * PayloadSize, proxy.FrontendState().BytesToServer);
        Assert.Equal(4L * PayloadSize, proxy.FrontendState().BytesToClient);
        Assert.Equal(4L * PayloadSize, proxy.Servers()[0].BytesToServer);
        Assert.Equal(4L * PayloadSize, proxy.Servers()[0].BytesToClient);
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
        await Eventually.TrueAsync(() => server.Connections == 1, "server connected");
        client.LingerState = new LingerOption(true, 0);
        client.Close();

        Assert.Equal(SocketError.ConnectionReset, await serverSaw.Task.WaitAsync(Eventually.Patience));
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
    public async Task A_server_that_does_not_read_stops_the_client_within_the_buffers_on_the_way_and_then_gets_every_byte(RelayPath path)
    {
        // While the server reads nothing, the proxy may hold only what its sockets and its relay buffer hold: the
        // client's sends must stop. Without back-pressure the proxy would take the whole payload, which is larger.
        Skip.IfNot(OperatingSystem.IsLinux(), "the bound comes from Linux's TCP buffer settings");
        var bound = BufferedOnTheWay();
        var payload = RandomNumberGenerator.GetBytes((int)bound + (16 << 20));
        var serverReads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = TestServer.Start(async (socket, stopping) =>
        {
            socket.ReceiveBufferSize = SmallBuffer;
            await serverReads.Task.WaitAsync(stopping);
            using var transfer = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            transfer.CancelAfter(TransferPatience);
            received.TrySetResult(await Loopback.ReadToEndAsync(socket, cancellationToken: transfer.Token));
        });
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]), options: RelayPaths.Options(path));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = SmallBuffer };
        await client.ConnectAsync(proxy.Frontend());
        long accepted = 0;
        var sending = Task.Run(async () =>
        {
            for (var offset = 0; offset < payload.Length; offset += 64 * 1024)
            {
                var chunk = payload.AsMemory(offset, Math.Min(64 * 1024, payload.Length - offset));
                await client.SendAsync(chunk, SocketFlags.None);
                Interlocked.Add(ref accepted, chunk.Length);
            }

            client.Shutdown(SocketShutdown.Send);
        });

        var held = await Eventually.SettlesAsync(() => Interlocked.Read(ref accepted), TimeSpan.FromSeconds(1), "the client's sends stop");

        Assert.False(sending.IsCompleted, $"the client sent all {payload.Length} bytes while the server read none");
        Assert.InRange(held, 1, bound);
        // The whole payload then crosses the proxy: on a machine busy with other tests that takes longer than one step.
        serverReads.SetResult();
        await sending.WaitAsync(TransferPatience);
        var got = await received.Task.WaitAsync(TransferPatience);
        Assert.Equal(payload.Length, got.Length);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(got));
    }

    private static readonly TimeSpan TransferPatience = TimeSpan.FromSeconds(60);

    /// <summary>The receive buffer of the server and the send buffer of the client (the kernel doubles it).</summary>
    private const int SmallBuffer = 64 * 1024;

    /// <summary>
    /// The most that the way from client to server can hold while the server does not read: the client's send
    /// buffer, the proxy's receive buffer toward the client and its send buffer toward the server (the kernel grows
    /// both up to tcp_rmem's and tcp_wmem's maximum), the server's receive buffer, and 1 MiB for the relay (its copy
    /// buffer, or the pipe of splice).
    /// </summary>
    private static long BufferedOnTheWay() =>
        (2 * SmallBuffer) + KernelMaximum("tcp_rmem") + (1 << 20) + KernelMaximum("tcp_wmem") + (2 * SmallBuffer);

    private static long KernelMaximum(string setting) =>
        long.Parse(File.ReadAllText($"/proc/sys/net/ipv4/{setting}").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task SendAndShutdownAsync(Socket socket, byte[] payload)
    {
        await socket.SendAsync(payload, SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
    }
}
