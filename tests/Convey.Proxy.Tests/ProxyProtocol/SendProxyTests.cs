using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Convey.Configuration;
using Convey.Proxy.Tests.Support;

namespace Convey.Proxy.Tests.ProxyProtocol;

public class SendProxyTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "v1", "127.0.0.1" },
        { "v1", "::1" },
        { "v2", "127.0.0.1" },
        { "v2", "::1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Server_receives_the_real_client_and_listener_addresses_before_the_client_bytes(string version, string loopback)
    {
        var address = IPAddress.Parse(loopback);
        var seen = new TaskCompletionSource<(IPEndPoint Source, IPEndPoint Destination, string FirstBytes)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = TestServer.Start(async socket =>
        {
            var (source, destination) = version == "v1" ? await ProxyHeaders.ReadV1Async(socket) : await ReadV2Async(socket);
            var rest = await Loopback.ReadExactlyAsync(socket, 5);
            seen.TrySetResult((source, destination, Encoding.ASCII.GetString(rest)));
        }, address);
        await using var proxy = await ProxyFixture.StartAsync(
            ProxyFixture.Config([server.EndPoint], pool: p => p with { Settings = new ConfigSettings([new("send_proxy", version)]) }, listen: address));

        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        await client.SendAsync(Encoding.ASCII.GetBytes("hello"), SocketFlags.None);

        var (sourceSeen, destinationSeen, first) = await seen.Task.WaitAsync(Eventually.Patience);
        Assert.Equal(client.LocalEndPoint, sourceSeen);
        Assert.Equal(proxy.Frontend(), destinationSeen);
        Assert.Equal("hello", first);
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.All), MemberType = typeof(RelayPaths))]
    public async Task A_wildcard_frontend_tells_the_server_the_address_the_client_reached(RelayPath path)
    {
        var destination = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = TestServer.Start(async socket => destination.TrySetResult((await ProxyHeaders.ReadV1Async(socket)).Item2));
        var port = ProxyFixture.FrontendPort(IPAddress.Any).Port;
        await using var proxy = await ProxyFixture.StartAsync(
            ProxyFixture.Config(
                [server.EndPoint],
                frontend: f => f with { ListenEndPoint = new IPEndPoint(IPAddress.Any, port) },
                pool: p => p with { Settings = new ConfigSettings([new("send_proxy", "v1")]) }),
            options: RelayPaths.Options(path));

        using var client = await Loopback.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await client.SendAsync(Encoding.ASCII.GetBytes("hello"), SocketFlags.None);

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), await destination.Task.WaitAsync(Eventually.Patience));
    }

    private static async Task<(IPEndPoint, IPEndPoint)> ReadV2Async(Socket socket)
    {
        var head = await Loopback.ReadExactlyAsync(socket, 16);
        Assert.Equal("0D0A0D0A000D0A515549540A21", Convert.ToHexString(head[..13]));
        var body = await Loopback.ReadExactlyAsync(socket, BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(14)));
        var addressLength = head[13] == 0x11 ? 4 : 16;
        return (
            new IPEndPoint(new IPAddress(body[..addressLength]), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(2 * addressLength))),
            new IPEndPoint(new IPAddress(body[addressLength..(2 * addressLength)]), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan((2 * addressLength) + 2))));
    }
}
