using System.Collections.Concurrent;
using System.Net;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Core.Tests.Runtime;
using Convey.Forwarding;
using Convey.Health;
using Convey.Metrics;
using Convey.Runtime;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Convey.Core.Tests.Health;

/// <summary>
/// One pool "web" under a health monitor driven by a fake clock and an NSubstitute probe whose answer per
/// address the test sets. Nothing sleeps: rounds run when the test calls them or advances the clock; a round
/// returns once its outcomes are applied, and <see cref="ReportsAppliedAsync"/> waits until engines' reports are.
/// The servers have passed their first probe (no log, probe or metric of it is left), unless the harness was
/// made with <see cref="Arriving"/>.
/// </summary>
internal sealed class MonitorHarness : IAsyncDisposable
{
    private readonly ConcurrentDictionary<IPEndPoint, Func<CancellationToken, ValueTask<HealthProbeResult>>> _answers = new();
    private const string TestSelectorPolicy = "test-selector";
    private readonly SemaphoreSlim _waiting = new(0);

    public MonitorHarness(HealthCheckConfig health, Func<double>? random = null, params ServerConfig[] servers)
        : this(arrived: true, health, random, null, servers)
    {
    }

    private MonitorHarness(bool arrived, HealthCheckConfig health, Func<double>? random, IBackendSelector? selector, ServerConfig[] servers)
    {
        if (selector is null)
        {
            Runtime = TestConfigs.CreateRuntime();
            Runtime.Apply(TestConfigs.Web(health, servers));
        }
        else
        {
            Runtime = TestConfigs.CreateRuntime(new BackendSelectorRegistration(TestSelectorPolicy, _ => selector));
            var config = TestConfigs.Web(health, servers);
            Runtime.Apply(config with { Pools = [config.Pools[0] with { Balance = TestSelectorPolicy }] });
        }

        Metrics = TestConfigs.CreateMetrics(Runtime, MeterFactory);
        Probe.ProbeAsync(Arg.Any<IPEndPoint>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var address = call.Arg<IPEndPoint>();
            Probed.Enqueue(address);
            return _answers.TryGetValue(address, out var answer) ? answer(call.Arg<CancellationToken>()) : ValueTask.FromResult(HealthProbeResult.Healthy);
        });
        Monitor = new HealthMonitor(Pool, Probe, Time, Logger, Metrics, random);
        Monitor.WaitingForNextRound += () => _waiting.Release();
        if (arrived)
        {
            // Every answer is synchronous and healthy here; the round ends once the monitor has applied them.
            if (!RoundAsync().Wait(TimeSpan.FromSeconds(30)) || Pool.Servers.Any(s => !s.IsHealthy))
            {
                throw new InvalidOperationException("The servers did not pass their first probe.");
            }

            Probed.Clear();
            Logger.Collector.Clear();
        }
    }

    /// <summary>A harness whose servers are new to the pool: pending, none probed yet.</summary>
    public static MonitorHarness Arriving(HealthCheckConfig health, params ServerConfig[] servers) => new(arrived: false, health, null, null, servers);

    /// <summary>A harness whose pool balances with <paramref name="selector"/>; the servers have passed their first probe.</summary>
    public static MonitorHarness WithSelector(IBackendSelector selector, HealthCheckConfig health, params ServerConfig[] servers) =>
        new(arrived: true, health, null, selector, servers);

    public FakeTimeProvider Time { get; } = new();

    public IHealthProbe Probe { get; } = Substitute.For<IHealthProbe>();

    public FakeLogger Logger { get; } = new();

    public TestMeterFactory MeterFactory { get; } = new();

    public ConveyRuntime Runtime { get; }

    public ConveyMetrics Metrics { get; }

    public HealthMonitor Monitor { get; }

    public BackendPool Pool => Runtime.Current.Pools["web"];

    public ConcurrentQueue<IPEndPoint> Probed { get; } = new();

    public ServerState Server(string name) => Pool.Servers.Single(s => s.Name == name);

    public void Answer(string server, HealthProbeResult result) =>
        _answers[Server(server).Address] = _ => ValueTask.FromResult(result);

    public void Answer(string server, Func<CancellationToken, ValueTask<HealthProbeResult>> answer) =>
        _answers[Server(server).Address] = answer;

    public void NeverAnswer(string server) =>
        _answers[Server(server).Address] = _ => new ValueTask<HealthProbeResult>(new TaskCompletionSource<HealthProbeResult>().Task);

    public Task RoundAsync() => Monitor.ProbeRoundAsync(CancellationToken.None);

    public async Task RoundsAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await RoundAsync();
        }
    }

    /// <summary>Waits until the monitor has applied every report posted so far, engines' reports included (a hang guard, not a timing assertion).</summary>
    public Task ReportsAppliedAsync() => Monitor.ReportsAppliedAsync().WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>The names of the servers the pool picks over a few selections.</summary>
    public string[] Picks() =>
        [.. Enumerable.Range(0, 20).Select(_ => Pool.Select(default(FlowKey))?.Name ?? "none").Distinct().Order(StringComparer.Ordinal)];

    /// <summary>Waits until the running monitor has armed the timer of its next round (a hang guard, not a timing assertion).</summary>
    public async Task WaitForNextRoundArmedAsync()
    {
        if (!await _waiting.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The monitor never started waiting for its next round.");
        }
    }

    /// <summary>Waits until <paramref name="count"/> probes have been called in all (a hang guard, not a timing assertion).</summary>
    public void WaitForProbes(int count) =>
        Eventually.True(() => Probed.Count >= count, $"{count} probes are called", TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await Monitor.DisposeAsync();
        Metrics.Dispose();
        MeterFactory.Dispose();
        _waiting.Dispose();
    }
}
