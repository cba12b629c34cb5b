using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Proxy.Tests.Support;

namespace Convey.Proxy.Tests;

public class ReloadTests
{
    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Load_loop_sees_no_failed_connection_while_the_TOML_file_is_rewritten_50_times(RelayPath relayPath)
    {
        var servers = Enumerable.Range(0, 4).Select(_ => TestServer.Echo()).ToArray();
        var directory = Directory.CreateTempSubdirectory("convey-proxy-reload-");
        try
        {
            var path = Path.Combine(directory.FullName, "convey.toml");
            var baseline = ProxyFixture.Config(servers.Select(s => s.EndPoint));
            TomlText.Write(path, baseline);
            var frontPort = baseline.Frontends[0].ListenEndPoint;
            await using var proxy = await ProxyFixture.StartFromTomlAsync(path, RelayPaths.Options(relayPath));
            var loadStopwatch = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var failures = new List<string>();
            var completed = 0;

            var clients = Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
            {
                for (var i = 0; i < 2_000 && !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        using var socket = await Loopback.ConnectAsync(frontPort);
                        await Loopback.AssertEchoAsync(socket, $"client {client} request {i}");
                        socket.Shutdown(SocketShutdown.Send);
                        Assert.Empty(await Loopback.ReadToEndAsync(socket));
                        Interlocked.Increment(ref completed);
                    }
#pragma warning disable CA1031 // Every failure is collected and reported by the assertion below.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        lock (failures)
                        {
                            failures.Add($"client {client} request {i}: {ex.GetType().Name}: {ex.Message}");
                        }
                    }
                }
            })).ToArray();

            for (var change = 0; change < 50; change++)
            {
                // A port freshly found free each time the extra frontend comes back: one port released between
                // additions could meanwhile become the source port of one of the load loop's connections.
                var extraPort = ProxyFixture.FrontendPort();
                var config = Variation(baseline, servers, change, extraPort);
                await proxy.RewriteAsync(path, config);
                if (config.Frontends.Length == 2)
                {
                    using var extra = await Loopback.ConnectAsync(extraPort);
                    await Loopback.AssertEchoAsync(extra, $"through the added frontend, change {change}");
                }

                // Every configuration serves some of the load before the next one replaces it.
                var before = Volatile.Read(ref completed);
                await Eventually.TrueAsync(
                    () => Volatile.Read(ref completed) >= before + clients.Length || clients.All(c => c.IsCompleted),
                    $"the load loop completes connections under change {change}");
            }

            await Task.WhenAll(clients);
            Assert.True(failures.Count == 0, $"{failures.Count} failed connection(s):\n{string.Join("\n", failures.Take(10))}");
            Assert.False(stop.IsCancellationRequested, $"load loop bounded at 120 s did {completed} connections");
            Assert.Equal(16_000, completed);
            Assert.Equal(0, proxy.FrontendState().RefusedConnections);
            Assert.Equal(0, proxy.Service.ReloadFailures);
        }
        finally
        {
            directory.Delete(recursive: true);
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Connection_to_a_removed_server_finishes_its_transfer(RelayPath path)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var payload = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        await using var leaving = TestServer.Start(async socket =>
        {
            await socket.SendAsync(payload.AsMemory(0, 1000), SocketFlags.None);
            await release.Task;
            await socket.SendAsync(payload.AsMemory(1000), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        });
        await using var staying = TestServer.Echo();
        var config = ProxyFixture.Config([leaving.EndPoint]);
        await using var proxy = await ProxyFixture.StartAsync(config, options: RelayPaths.Options(path));
        using var client = await Loopback.ConnectAsync(proxy.Frontend());
        Assert.Equal(payload[..1000], await Loopback.ReadExactlyAsync(client, 1000));
        var leavingState = proxy.Servers().Single();

        await proxy.UpdateAsync(WithServers(config, staying.EndPoint));
        using (var next = await Loopback.ConnectAsync(proxy.Frontend()))
        {
            await Loopback.AssertEchoAsync(next, "new connections go to the staying server");
        }

        Assert.True(leavingState.IsDraining);
        release.SetResult();
        Assert.Equal(payload[1000..], await Loopback.ReadToEndAsync(client));
        Assert.Equal(1, leaving.Connections);
        client.Dispose();
        await Eventually.TrueAsync(() => !proxy.Servers().Contains(leavingState), "drained server forgotten");
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Removed_frontend_stops_accepting_and_its_connections_finish(RelayPath path)
    {
        await using var server = TestServer.Echo();
        var config = ProxyFixture.Config([server.EndPoint]);
        var other = config.Frontends[0] with { Name = "other", ListenEndPoint = ProxyFixture.FrontendPort() };
        config = config with { Frontends = [config.Frontends[0], other] };
        await using var proxy = await ProxyFixture.StartAsync(config, options: RelayPaths.Options(path));
        var endPoint = proxy.Frontend("other");
        using var established = await Loopback.ConnectAsync(endPoint);
        await Loopback.AssertEchoAsync(established, "before removal");

        await proxy.UpdateAsync(config with { Frontends = [config.Frontends[0]] });

        var refused = await Assert.ThrowsAsync<SocketException>(async () => (await Loopback.ConnectAsync(endPoint)).Dispose());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        await Loopback.AssertEchoAsync(established, "still served while draining");
        using var kept = await Loopback.ConnectAsync(proxy.Frontend());
        await Loopback.AssertEchoAsync(kept, "the other frontend is untouched");
    }

    [SkippableTheory]
    [InlineData(RelayPath.EventLoop)]
    [InlineData(RelayPath.IoUring)]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Clients_whose_handshake_completed_just_before_the_removal_are_served_not_reset(RelayPath path)
    {
        // The kernel completes handshakes on its own: clients still in the accept queue when the frontend goes
        // are established from where they stand, so the drain takes them in instead of resetting them. The
        // engine's only event loop is held busy while they queue and the removal is issued, so none of them
        // has been accepted when the listener is told to close.
        var transport = RelayPaths.Options(path);
        await using var server = TestServer.Echo();
        var config = ProxyFixture.Config([server.EndPoint]);
        var leaving = config.Frontends[0] with { Name = "leaving", ListenEndPoint = ProxyFixture.FrontendPort() };
        config = config with { Frontends = [config.Frontends[0], leaving] };
        await using var proxy = await ProxyFixture.StartAsync(config, options: o =>
        {
            transport(o);
            o.EventLoops = 1;
        });
        var endPoint = proxy.Frontend("leaving");
        Action<Action<object?>> post = proxy.Engine.Transport switch
        {
            Convey.Proxy.Transport.Epoll.EpollTransport epoll => work => epoll.NextLoop().Post(work, null),
            Convey.Proxy.Transport.IoUring.IoUringTransport ring => work => ring.NextLoop().Post(work, null),
            var other => throw new InvalidOperationException($"No event loop to hold in {other.Name}."),
        };
        using var release = new ManualResetEventSlim();
        Socket[] clients = [];
        try
        {
            post(_ => release.Wait(Eventually.Patience));
            clients = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Loopback.ConnectAsync(endPoint)));
            // The removal applies without the loop (it only posts the listener's close to it), so the listener is
            // told to close while the loop still holds the queued clients.
            await proxy.UpdateAsync(config with { Frontends = [config.Frontends[0]] });
            release.Set();

            await Task.WhenAll(clients.Select((client, i) => Loopback.AssertEchoAsync(client, $"queued client {i}")));
        }
        finally
        {
            release.Set();
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Connections_still_open_at_the_drain_deadline_are_closed(RelayPath path)
    {
        await using var server = TestServer.Echo();
        var config = ProxyFixture.Config([server.EndPoint], frontend: f => f with { DrainTimeout = TimeSpan.FromMilliseconds(200) });
        var other = config.Frontends[0] with { Name = "other", ListenEndPoint = ProxyFixture.FrontendPort() };
        config = config with { Frontends = [config.Frontends[0], other] };
        await using var proxy = await ProxyFixture.StartAsync(config, options: RelayPaths.Options(path));
        using var established = await Loopback.ConnectAsync(proxy.Frontend("other"));
        await Loopback.AssertEchoAsync(established, "before removal");

        await proxy.UpdateAsync(config with { Frontends = [config.Frontends[0]] });

        Assert.Empty(await Loopback.ReadToEndAsync(established, allowReset: true));
    }

    [SkippableTheory]
    [MemberData(nameof(RelayPaths.Transports), MemberType = typeof(RelayPaths))]
    public async Task Frontend_whose_address_changed_moves_to_the_new_one(RelayPath path)
    {
        await using var server = TestServer.Echo();
        var config = ProxyFixture.Config([server.EndPoint]);
        await using var proxy = await ProxyFixture.StartAsync(config, options: RelayPaths.Options(path));
        var before = proxy.Frontend();
        using var established = await Loopback.ConnectAsync(before);
        var moved = ProxyFixture.FrontendPort();

        await proxy.UpdateAsync(config with { Frontends = [config.Frontends[0] with { ListenEndPoint = moved }] });

        Assert.Equal(moved, proxy.Frontend());
        using var client = await Loopback.ConnectAsync(moved);
        await Loopback.AssertEchoAsync(client, "on the new address");
        await Loopback.AssertEchoAsync(established, "the old connection finishes");
        await Assert.ThrowsAsync<SocketException>(async () => (await Loopback.ConnectAsync(before)).Dispose());
    }

    private static ConveyConfig WithServers(ConveyConfig config, params IPEndPoint[] servers) => config with
    {
        Pools = [config.Pools[0] with { Servers = [.. servers.Select((a, i) => new ServerConfig { Name = $"s{i}", Address = a })] }],
    };

    /// <summary>The n-th configuration of the reload run: servers come and go, weights change, and a frontend is added and removed.</summary>
    private static ConveyConfig Variation(ConveyConfig baseline, TestServer[] servers, int n, IPEndPoint extraPort)
    {
        var count = 1 + (n % servers.Length);
        var chosen = servers.Skip(n % 3).Concat(servers).Distinct().Take(count).ToArray();
        var pool = baseline.Pools[0] with
        {
            Servers = [.. chosen.Select((s, i) => new ServerConfig { Name = $"s{i}", Address = s.EndPoint, Weight = 1 + ((n + i) % 4) })],
        };
        var frontends = n % 5 == 2
            ? baseline.Frontends.Add(baseline.Frontends[0] with { Name = "extra", ListenEndPoint = extraPort })
            : baseline.Frontends;
        return baseline with { Pools = [pool], Frontends = frontends };
    }
}
