using System.Collections.Concurrent;
using System.Net;
using Convey.Configuration;
using Convey.Core.Tests.Runtime;
using Convey.Health;
using Convey.Metrics;
using Convey.Runtime;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Convey.Core.Tests.Health;

/// <summary>
/// One pool "web" under a health monitor driven by a fake clock and an NSubstitute probe whose answer per
/// address the test sets. Nothing sleeps: rounds run when the test calls them or advances the clock.
/// The servers have passed their first probe (no log, probe or metric of it is left), unless the harness was
/// made with <see cref="Arriving"/>.
/// </summary>
internal sealed class MonitorHarness : IAsyncDisposable
{
    private readonly ConcurrentDictionary<IPEndPoint, Func<CancellationToken, ValueTask<HealthProbeResult>>> _answers = new();
    private readonly SemaphoreSlim _waiting = new(0);

    public MonitorHarness(HealthCheckConfig health, Func<double>? random = null, params ServerConfig[] servers)
        : this(arrived: true, health, random, servers)
    {
    }

    private MonitorHarness(bool arrived, HealthCheckConfig health, Func<double>? random, ServerConfig[] servers)
    {
        Runtime = TestConfigs.CreateRuntime();
        Runtime.Apply(TestConfigs.Web(health, servers));
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
            // Every answer is synchronous and healthy here, so the round has ended when it returns.
            var round = RoundAsync();
            if (!round.IsCompletedSuccessfully || Pool.Servers.Any(s => !s.IsHealthy))
            {
                throw new InvalidOperationException("The servers did not pass their first probe.");
            }

            Probed.Clear();
            Logger.Collector.Clear();
        }
    }

    /// <summary>A harness whose servers are new to the pool: pending, none probed yet.</summary>
    public static MonitorHarness Arriving(HealthCheckConfig health, params ServerConfig[] servers) => new(arrived: false, health, null, servers);

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

    /// <summary>Waits until the running monitor has armed the timer of its next round (a hang guard, not a timing assertion).</summary>
    public async Task WaitForNextRoundArmedAsync()
    {
        if (!await _waiting.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The monitor never started waiting for its next round.");
        }
    }

    /// <summary>Waits until <paramref name="count"/> probes have been called in all (a hang guard, not a timing assertion).</summary>
    public void WaitForProbes(int count)
    {
        if (!SpinWait.SpinUntil(() => Probed.Count >= count, TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"Only {Probed.Count} of {count} probes were called.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Monitor.DisposeAsync();
        Metrics.Dispose();
        MeterFactory.Dispose();
        _waiting.Dispose();
    }
}
