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

public sealed class HealthCoordinatorTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly IHealthProbe _probe = Substitute.For<IHealthProbe>();
    private readonly ConcurrentQueue<IPEndPoint> _probed = new();
    private readonly ConcurrentDictionary<BackendPool, SemaphoreSlim> _armed = new();
    private readonly ConcurrentDictionary<BackendPool, HealthMonitor> _monitors = new();
    private readonly ConveyRuntime _runtime = TestConfigs.CreateRuntime();
    private readonly TestMeterFactory _meters = new();
    private readonly HealthCoordinator _coordinator;

    public HealthCoordinatorTests()
    {
        _probe.ProbeAsync(Arg.Any<IPEndPoint>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            _probed.Enqueue(call.Arg<IPEndPoint>());
            return ValueTask.FromResult(HealthProbeResult.Healthy);
        });
        _coordinator = new HealthCoordinator(_probe, _time, NullLogger<HealthCoordinator>.Instance, CreateMetrics(_runtime, _meters));
        _coordinator.MonitorCreated += monitor =>
        {
            _monitors[monitor.Pool] = monitor;
            var armed = _armed.GetOrAdd(monitor.Pool, _ => new SemaphoreSlim(0));
            monitor.WaitingForNextRound += () => armed.Release();
        };
    }

    private static HealthCheckConfig Every(int seconds) => new() { Interval = TimeSpan.FromSeconds(seconds) };

    [Fact]
    public async Task Each_live_pool_gets_one_monitor()
    {
        var snapshot = _runtime.Apply(Config(
            [Pool("web", Server("a", 8001)), Pool("db", Server("d", 5432))],
            [Frontend("w", 9000, "web"), Frontend("d", 9001, "db")]));

        _coordinator.Apply(snapshot);
        await ArmedAsync("web");
        await ArmedAsync("db");

        Assert.Equal(snapshot.Pools.Values.ToHashSet(), _coordinator.MonitoredPools.ToHashSet());
        Assert.Equal(2, _probed.Count);
    }

    [Fact]
    public async Task Removed_pool_stops_being_probed_and_a_new_pool_starts()
    {
        _coordinator.Apply(_runtime.Apply(Config(Pool("web", Every(5), Server("a", 8001)), Frontend("f", 9000, "web"))));
        await ArmedAsync("web");

        var snapshot = _runtime.Apply(Config(Pool("api", Every(5), Server("b", 8002)), Frontend("f", 9000, "api")));
        _coordinator.Apply(snapshot);
        await ArmedAsync("api");
        _time.Advance(TimeSpan.FromSeconds(6));
        await ArmedAsync("api");

        Assert.Equal([snapshot.Pools["api"]], _coordinator.MonitoredPools);
        Assert.Equal(1, _probed.Count(a => a.Port == 8001));
        Assert.Equal(2, _probed.Count(a => a.Port == 8002));
    }

    [Fact]
    public async Task Kept_pool_keeps_its_monitor_and_probes_servers_added_by_a_reload_at_once()
    {
        _coordinator.Apply(_runtime.Apply(Web(Every(5), Server("a", 8001))));
        await ArmedAsync("web");

        _coordinator.Apply(_runtime.Apply(Web(Every(5), Server("a", 8001), Server("b", 8002))));
        Assert.Equal(1, _probed.Count(a => a.Port == 8002));
        await _monitors[_runtime.Current.Pools["web"]].ReportsAppliedAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(_runtime.Current.Pools["web"].Servers[1].IsHealthy);
        await ArmedAsync("web");
        _time.Advance(TimeSpan.FromSeconds(6));
        await ArmedAsync("web");

        Assert.Single(_coordinator.MonitoredPools);
        Assert.Equal(2, _probed.Count(a => a.Port == 8001));
        Assert.Equal(2, _probed.Count(a => a.Port == 8002));
    }

    [Fact]
    public async Task Shorter_interval_is_adopted_without_waiting_out_the_old_one()
    {
        _coordinator.Apply(_runtime.Apply(Web(Every(60), Server("a", 8001))));
        await ArmedAsync("web");

        _coordinator.Apply(_runtime.Apply(Web(Every(5), Server("a", 8001))));
        await ArmedAsync("web");
        _time.Advance(TimeSpan.FromSeconds(5.5));
        await ArmedAsync("web");

        Assert.Equal(2, _probed.Count);
    }

    [Fact]
    public async Task Stop_stops_every_monitor()
    {
        _coordinator.Apply(_runtime.Apply(Web(Every(5), Server("a", 8001))));
        await ArmedAsync("web");

        await _coordinator.StopAsync();
        _time.Advance(TimeSpan.FromSeconds(60));

        Assert.Empty(_coordinator.MonitoredPools);
        Assert.Single(_probed);
    }

    public async ValueTask DisposeAsync()
    {
        await _coordinator.DisposeAsync();
        _meters.Dispose();
    }

    private async Task ArmedAsync(string pool)
    {
        var armed = _armed.GetOrAdd(_runtime.Current.Pools[pool], _ => new SemaphoreSlim(0));
        if (!await armed.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"The monitor of pool {pool} never started waiting for its next round.");
        }
    }
}
