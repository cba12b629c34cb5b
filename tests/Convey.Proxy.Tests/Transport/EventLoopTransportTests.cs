using Convey.Forwarding;
using Convey.Proxy.Tests.Support;

namespace Convey.Proxy.Tests.Transport;

public class EventLoopTransportTests
{
    public static TheoryData<RelayPath> EventLoopTransports => [RelayPath.EventLoop, RelayPath.IoUring];

    [SkippableTheory]
    [MemberData(nameof(EventLoopTransports))]
    public async Task Connections_spread_over_several_event_loops_each_get_their_own_bytes_back(RelayPath path)
    {
        var transport = RelayPaths.Options(path);
        await using var server = TestServer.Echo();
        await using var proxy = await ProxyFixture.StartAsync(
            ProxyFixture.Config([server.EndPoint]),
            options: o =>
            {
                transport(o);
                o.EventLoops = 4;
            });

        await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            using var client = await Loopback.ConnectAsync(proxy.Frontend());
            for (var round = 0; round < 20; round++)
            {
                await Loopback.AssertEchoAsync(client, $"client {i} round {round}");
            }
        }));

        await Eventually.ReturnsAsync(() => proxy.FrontendState().ActiveConnections, active => active == 0, "connections closed");
        Assert.Equal(64, proxy.FrontendState().TotalConnections);
    }

    [SkippableTheory]
    [MemberData(nameof(EventLoopTransports))]
    public async Task An_engine_disposed_with_its_loops_is_followed_by_a_new_one_that_serves(RelayPath path)
    {
        var transport = RelayPaths.Options(path);
        await using var server = TestServer.Echo();
        for (var run = 0; run < 3; run++)
        {
            await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]), options: transport);
            using var client = await Loopback.ConnectAsync(proxy.Frontend());
            await Loopback.AssertEchoAsync(client, $"run {run}");
        }
    }
}
