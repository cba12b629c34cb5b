using System.Collections.Concurrent;
using System.Net;
using Convey.Configuration;
using Convey.Core.Tests.Runtime;
using Convey.Forwarding;
using Convey.Health;
using Convey.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Health;

/// <summary>
/// A server new to a pool is pending until its first probe, which is sent at once: it takes no new flows until the
/// probe passes, except at a pool's cold start (no server has passed yet) and while no server of the pool is up, when
/// pending servers serve rather than clients being refused. Probes here wait until the test answers them, so every state in between is observable.
/// </summary>
public sealed class HealthOnArrivalTests : IAsyncDisposable
{
    // Probes time out long after a round comes round, so a test's probe waits for its answer however far the clock moves.
    private static readonly HealthCheckConfig Health = new() { Interval = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromMinutes(5), Rise = 3, Fall = 3 };
    private readonly FakeTimeProvider _time = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<HealthProbeResult>> _answers = new();
    private readonly ConcurrentQueue<int> _probed = new();
    private readonly ConveyRuntime _runtime = CreateRuntime();
    private readonly TestMeterFactory _meters = new();
    private readonly ConcurrentDictionary<BackendPool, HealthMonitor> _monitors = new();
    private readonly HealthCoordinator _coordinator;

    public HealthOnArrivalTests()
    {
        var probe = Substitute.For<IHealthProbe>();
        probe.ProbeAsync(Arg.Any<IPEndPoint>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var port = call.Arg<IPEndPoint>().Port;
            // The answer is in place before the probe is seen, so a test that waits for the probe can answer it.
            var answer = Answer(port).Task;
            _probed.Enqueue(port);
            return new ValueTask<HealthProbeResult>(answer);
        });
        _coordinator = new HealthCoordinator(probe, _time, NullLogger<HealthCoordinator>.Instance, CreateMetrics(_runtime, _meters));
        _coordinator.MonitorCreated += monitor => _monitors[monitor.Pool] = monitor;
    }

    private BackendPool Pool => _runtime.Current.Pools["web"];

    [Fact]
    public void Server_added_by_a_reload_is_probed_at_once_and_takes_no_flow_until_its_first_probe_passes()
    {
        Start(Server("a", 8001));
        Pass(8001);

        Reload(Server("a", 8001), Server("b", 8002));

        Assert.Contains(8002, _probed);
        Assert.Equal(ServerHealth.Pending, At(8002).Health);
        Assert.Equal(["a"], Picks());

        Pass(8002);

        Assert.Equal(ServerHealth.Up, At(8002).Health);
        Assert.Equal(["a", "b"], Picks());
    }

    [Fact]
    public void Server_added_by_a_reload_whose_first_probe_fails_never_takes_a_flow()
    {
        Start(Server("a", 8001));
        Pass(8001);

        Reload(Server("a", 8001), Server("b", 8002));
        Assert.Equal(["a"], Picks());
        Fail(8002);

        Assert.Equal(ServerHealth.Down, At(8002).Health);
        Assert.Equal(["a"], Picks());
    }

    [Fact]
    public void At_a_cold_start_pending_servers_take_flows_until_their_own_first_probe_decides()
    {
        Start(Server("a", 8001), Server("b", 8002));

        Assert.Equal([8001, 8002], _probed.Order());
        Assert.All(Pool.Servers, s => Assert.Equal(ServerHealth.Pending, s.Health));
        Assert.Equal(["a", "b"], Picks());

        Pass(8002);

        Assert.True(At(8001).IsPending);
        Assert.Equal(["a", "b"], Picks());

        Fail(8001);

        Assert.Equal(["b"], Picks());
    }

    [Fact]
    public void After_a_cold_start_a_server_added_by_a_reload_waits_for_its_own_first_probe()
    {
        Start(Server("a", 8001), Server("b", 8002));
        Pass(8001);

        Reload(Server("a", 8001), Server("b", 8002), Server("c", 8003));

        Assert.True(At(8003).IsPending);
        Assert.Equal(["a", "b"], Picks());
    }

    [Fact]
    public void A_reload_that_replaces_every_server_serves_on_the_new_ones_before_their_first_probes()
    {
        Start(Server("a", 8001));
        Pass(8001);

        Reload(Server("b", 8002), Server("c", 8003));

        Assert.True(At(8002).IsPending);
        Assert.Equal(["b", "c"], Picks());

        Pass(8002);

        Assert.True(At(8003).IsPending);
        Assert.Equal(["b"], Picks());
    }

    [Fact]
    public void Server_added_to_a_pool_whose_servers_are_all_down_takes_flows_until_its_first_probe_decides()
    {
        Start(Server("a", 8001));
        Pass(8001);
        Reload(Server("a", 8001), Server("b", 8002));
        Fail(8002);

        Reload(Server("b", 8002), Server("c", 8003));

        Assert.Equal(["c"], Picks());

        Fail(8003);

        Assert.Equal(["none"], Picks());
    }

    [Fact]
    public void At_a_cold_start_a_server_whose_first_probe_fails_leaves_selection_at_once()
    {
        Start(Server("a", 8001), Server("b", 8002));

        Fail(8001);

        Assert.Equal(["b"], Picks());
        Assert.True(At(8002).IsPending);
    }

    [Fact]
    public void A_pool_added_by_a_reload_has_its_own_cold_start()
    {
        Start(Server("a", 8001));
        Pass(8001);

        _coordinator.Apply(_runtime.Apply(Config(
            [Pool("web", Health, Server("a", 8001)), Pool("api", Health, Server("c", 8003))],
            [Frontend("front", 9000, "web"), Frontend("api", 9001, "api")])));

        Assert.True(_runtime.Current.Pools["api"].Servers[0].IsPending);
        Assert.Equal("c", _runtime.Current.Pools["api"].Select(default(FlowKey))?.Name);
    }

    [Fact]
    public void Servers_kept_across_a_reload_keep_their_health()
    {
        Start(Server("a", 8001), Server("b", 8002));
        Pass(8001);
        Fail(8002);
        var probesBefore = _probed.Count;

        Reload(Server("a", 8001), Server("b", 8002), Server("c", 8003));

        Assert.Equal(ServerHealth.Up, At(8001).Health);
        Assert.Equal(ServerHealth.Down, At(8002).Health);
        Assert.Equal(ServerHealth.Pending, At(8003).Health);
        Assert.Equal([8003], _probed.Skip(probesBefore));
        Assert.Equal(["a"], Picks());
    }

    [Fact]
    public void Arrival_probe_and_round_probe_never_run_at_once_for_one_server()
    {
        Start(Server("a", 8001));
        Pass(8001);
        Reload(Server("a", 8001), Server("b", 8002));

        _time.Advance(Health.Interval * 2);
        Eventually.True(() => _probed.Count(p => p == 8001) >= 2, "server a is probed by its arrival and by the round", TimeSpan.FromSeconds(30));

        Assert.Equal(1, _probed.Count(p => p == 8002));
    }

    public async ValueTask DisposeAsync()
    {
        await _coordinator.DisposeAsync();
        _meters.Dispose();
    }

    private TaskCompletionSource<HealthProbeResult> Answer(int port) =>
        _answers.GetOrAdd(port, _ => new TaskCompletionSource<HealthProbeResult>(TaskCreationOptions.RunContinuationsAsynchronously));

    private void Start(params ServerConfig[] servers)
    {
        _coordinator.Apply(_runtime.Apply(Web(Health, servers)));
        WaitForProbes(servers.Length);
    }

    private void Reload(params ServerConfig[] servers) => _coordinator.Apply(_runtime.Apply(Web(Health, servers)));

    private void Pass(int port) => Settle(port, HealthProbeResult.Healthy, ServerHealth.Up);

    private void Fail(int port) => Settle(port, HealthProbeResult.Unhealthy("ConnectionRefused"), ServerHealth.Down);

    /// <summary>Answers the probe of a server, then waits until the monitor has applied it and rebuilt the selector (a hang guard, not a timing assertion).</summary>
    private void Settle(int port, HealthProbeResult result, ServerHealth expected)
    {
        var answer = Answer(port);
        answer.SetResult(result);
        _answers.TryRemove(KeyValuePair.Create(port, answer));
        Eventually.True(() => At(port).Health == expected, $"the server on port {port} becomes {expected}", TimeSpan.FromSeconds(30));

        if (!_monitors[Pool].ReportsAppliedAsync().Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"The monitor of pool {Pool.Name} never applied its reports.");
        }
    }

    private void WaitForProbes(int count) =>
        Eventually.True(() => _probed.Count >= count, $"{count} probes are sent", TimeSpan.FromSeconds(30));

    private ServerState At(int port) => Pool.Servers.Single(s => s.Address.Port == port);

    private string[] Picks() =>
        [.. Enumerable.Range(0, 20).Select(_ => Pool.Select(default(FlowKey))?.Name ?? "none").Distinct().Order(StringComparer.Ordinal)];
}
