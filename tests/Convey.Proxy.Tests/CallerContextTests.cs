using System.Collections.Concurrent;
using System.Collections.Immutable;
using Convey.Balancing;
using Convey.DependencyInjection;
using Convey.Forwarding;
using Convey.Proxy.Tests.Support;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Convey.Proxy.Tests;

public class CallerContextTests
{
    private static readonly AsyncLocal<string?> Caller = new();

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task A_proxied_connection_sees_none_of_the_async_locals_of_the_code_that_started_the_engine(RelayPath path)
    {
        var transport = RelayPaths.Options(path);
        await using var server = TestServer.Echo();
        var seen = new ConcurrentQueue<string?>();
        Caller.Value = "the starter's";
        await using var proxy = await ProxyFixture.StartAsync(
            ProxyFixture.Config([server.EndPoint], pool: p => p with { Balance = "recording" }),
            options: transport,
            configure: builder => builder.AddSelector<RecordingSelector>("recording").Services.AddSingleton(seen));
        Caller.Value = null;

        using (var client = await Loopback.ConnectAsync(proxy.Frontend()))
        {
            await Loopback.AssertEchoAsync(client, "hello");
        }

        Assert.Equal([null], seen);
    }

    /// <summary>Picks the first server and records the <see cref="Caller"/> value its caller runs with.</summary>
    private sealed class RecordingSelector(ConcurrentQueue<string?> seen) : IBackendSelector
    {
        private ImmutableArray<ServerState> _servers = [];

        public void Update(ImmutableArray<ServerState> availableServers) => _servers = availableServers;

        public ServerState? Select(in FlowKey flow)
        {
            seen.Enqueue(Caller.Value);
            return _servers.IsEmpty ? null : _servers[0];
        }
    }
}
