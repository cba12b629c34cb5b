using System.Net;
using Convey.Configuration;
using Convey.Core.Tests.Runtime;
using Convey.Forwarding;
using Convey.Health;
using Convey.Metrics;
using Convey.Runtime;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Runtime;

public sealed class ConveyServiceTests : IAsyncDisposable
{
    private static readonly ConveyConfig Good = Web(Server("a", 8001));
    private readonly InMemoryConfigSource _source = new(Good);
    private readonly ConveyRuntime _runtime = CreateRuntime();
    private readonly TestMeterFactory _meters = new();
    private readonly ConveyMetrics _metrics;
    private readonly IForwardingEngine _engine = Substitute.For<IForwardingEngine>();
    private readonly SemaphoreSlim _applied = new(0);
    private readonly HealthCoordinator _health;
    private readonly FakeLogger<ConveyService> _logger = new();
    private readonly ConveyService _service;

    public ConveyServiceTests()
    {
        _metrics = CreateMetrics(_runtime, _meters);
        var probe = Substitute.For<IHealthProbe>();
        probe.ProbeAsync(Arg.Any<IPEndPoint>(), Arg.Any<CancellationToken>()).Returns(ValueTask.FromResult(HealthProbeResult.Healthy));
        var time = new FakeTimeProvider();
        _health = new HealthCoordinator(probe, time, NullLogger<HealthCoordinator>.Instance, _metrics);
        _engine.ApplyAsync(Arg.Any<RuntimeSnapshot>(), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            _applied.Release();
            return Task.CompletedTask;
        });
        _service = new ConveyService(_source, _runtime, [_engine], _health, _metrics, time, _logger);
    }

    [Fact]
    public async Task Start_applies_the_configuration_and_hands_it_to_every_engine_and_to_health_checks()
    {
        await _service.StartAsync(CancellationToken.None);

        Assert.Same(Good, _runtime.Current.Config);
        await _engine.Received(1).ApplyAsync(_runtime.Current, Arg.Any<CancellationToken>());
        Assert.Null(_service.LastReload);
        Assert.Equal([_runtime.Current.Pools["web"]], _health.MonitoredPools);
    }

    [Fact]
    public async Task Start_with_a_refused_configuration_fails_with_the_errors_and_logs_them()
    {
        _source.Update(Config(Pool("web", Server("a", 8001)), Frontend("front", 9000, "missing")));

        var error = await Assert.ThrowsAsync<ConfigException>(() => _service.StartAsync(CancellationToken.None));

        Assert.Contains("frontends.front.backend", error.Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Critical, _logger.LatestRecord.Level);
        Assert.Contains("frontends.front.backend", _logger.LatestRecord.Message, StringComparison.Ordinal);
        await _engine.DidNotReceive().ApplyAsync(Arg.Any<RuntimeSnapshot>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Every_reload_reaches_the_engines_and_is_counted()
    {
        using var reloads = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.config.reloads");
        await _service.StartAsync(CancellationToken.None);
        await WaitAsync(_applied);
        var next = Web(Server("a", 8001), Server("b", 8002));

        _source.Update(next);
        await WaitAsync(_applied);

        Assert.Same(next, _runtime.Current.Config);
        await _engine.Received(1).ApplyAsync(_runtime.Current, Arg.Any<CancellationToken>());
        Assert.Equal("applied", Assert.Single(reloads.GetMeasurementSnapshot()).Tags[ConveyMetricTags.ReloadResult]);
    }

    [Fact]
    public async Task Refused_reload_is_logged_and_counted_and_the_old_state_stays()
    {
        using var reloads = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.config.reloads");
        await _service.StartAsync(CancellationToken.None);
        var before = _runtime.Current;

        _source.Update(Web(Server("a", 8001, weight: -1)));
        await reloads.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(30));

        Assert.Same(before, _runtime.Current);
        Assert.Equal(1, _service.ReloadFailures);
        Assert.Contains(_service.LastReloadError!.Errors, e => e.KeyPath == "backends.web.servers.a.weight");
        Assert.Equal("refused", Assert.Single(reloads.GetMeasurementSnapshot()).Tags[ConveyMetricTags.ReloadResult]);
        Assert.Equal(ReloadResult.Refused, _service.LastReload!.Result);
        Assert.Equal("in-memory", _service.LastReload.Source);
        Assert.Contains("backends.web.servers.a.weight", _service.LastReload.Error, StringComparison.Ordinal);
        var logged = _logger.Collector.GetSnapshot().Single(r => r.Level == LogLevel.Error);
        Assert.Contains("backends.web.servers.a.weight", logged.Message, StringComparison.Ordinal);
        await _engine.Received(1).ApplyAsync(Arg.Any<RuntimeSnapshot>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_good_reload_after_a_refused_one_applies_and_clears_the_error()
    {
        using var reloads = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.config.reloads");
        await _service.StartAsync(CancellationToken.None);
        _source.Update(Web(Server("a", 8001, weight: -1)));
        await reloads.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(30));
        var fixedConfig = Web(Server("a", 8001, weight: 2));

        _source.Update(fixedConfig);
        await reloads.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(30));

        Assert.Same(fixedConfig, _runtime.Current.Config);
        Assert.Null(_service.LastReloadError);
        Assert.Equal(ReloadResult.Applied, _service.LastReload!.Result);
        Assert.Null(_service.LastReload.Error);
    }

    [Fact]
    public async Task An_engine_failing_a_reload_is_logged_and_the_other_engines_still_apply_it()
    {
        var failing = Substitute.For<IForwardingEngine>();
        var calls = 0;
        failing.ApplyAsync(Arg.Any<RuntimeSnapshot>(), Arg.Any<CancellationToken>())
            .Returns(_ => Interlocked.Increment(ref calls) == 1 ? Task.CompletedTask : Task.FromException(new InvalidOperationException("port in use")));
        using var reloads = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.config.reloads");
        await using var service = new ConveyService(_source, _runtime, [failing, _engine], _health, _metrics, TimeProvider.System, _logger);
        await service.StartAsync(CancellationToken.None);
        await WaitAsync(_applied);
        var next = Web(Server("b", 8002));

        _source.Update(next);
        await reloads.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(30));

        Assert.Same(next, _runtime.Current.Config);
        await _engine.Received(1).ApplyAsync(_runtime.Current, Arg.Any<CancellationToken>());
        Assert.Equal("partial", Assert.Single(reloads.GetMeasurementSnapshot()).Tags[ConveyMetricTags.ReloadResult]);
        var logged = _logger.Collector.GetSnapshot().Single(r => r.Level == LogLevel.Error);
        Assert.Contains("could not apply", logged.Message, StringComparison.Ordinal);
        Assert.Equal("port in use", logged.Exception!.Message);
        Assert.Equal(ReloadResult.PartiallyApplied, service.LastReload!.Result);
        Assert.Contains("1 engine(s) could not apply it", service.LastReload.Error, StringComparison.Ordinal);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_reload_whose_frontend_cannot_listen_is_partial_naming_the_frontend_address_and_reason_without_a_stack_trace()
    {
        var refusing = Substitute.For<IForwardingEngine>();
        var calls = 0;
        var failure = new FrontendListenFailure { Frontend = "web", EndPoint = IPEndPoint.Parse("127.0.0.1:8080"), Reason = "address already in use" };
        refusing.ApplyAsync(Arg.Any<RuntimeSnapshot>(), Arg.Any<CancellationToken>())
            .Returns(_ => Interlocked.Increment(ref calls) == 1 ? Task.CompletedTask : Task.FromException(new FrontendListenException([failure])));
        using var reloads = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.config.reloads");
        await using var service = new ConveyService(_source, _runtime, [refusing, _engine], _health, _metrics, TimeProvider.System, _logger);
        await service.StartAsync(CancellationToken.None);
        await WaitAsync(_applied);
        var next = Web(Server("b", 8002));

        _source.Update(next);
        await reloads.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(30));

        Assert.Same(next, _runtime.Current.Config);
        Assert.Equal("partial", Assert.Single(reloads.GetMeasurementSnapshot()).Tags[ConveyMetricTags.ReloadResult]);
        var logged = _logger.Collector.GetSnapshot().Single(r => r.Level == LogLevel.Error);
        Assert.StartsWith("Frontend web cannot listen on 127.0.0.1:8080: address already in use.", logged.Message, StringComparison.Ordinal);
        Assert.Null(logged.Exception);
        Assert.Contains("frontend 'web' cannot listen on 127.0.0.1:8080: address already in use", service.LastReload!.Error, StringComparison.Ordinal);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_engine_failing_at_start_fails_the_start()
    {
        var failing = Substitute.For<IForwardingEngine>();
        failing.ApplyAsync(Arg.Any<RuntimeSnapshot>(), Arg.Any<CancellationToken>()).Returns(Task.FromException(new InvalidOperationException("port in use")));
        await using var service = new ConveyService(_source, _runtime, [failing], _health, _metrics, TimeProvider.System, _logger);

        await Assert.ThrowsAsync<InvalidOperationException>(() => service.StartAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_requested_reload_rereads_a_source_whose_token_never_fires()
    {
        var silent = Substitute.For<IConfigSource>();
        silent.GetReloadToken().Returns(new CancellationChangeToken(CancellationToken.None));
        var next = Web(Server("a", 8001), Server("b", 8002));
        silent.LoadAsync(Arg.Any<CancellationToken>()).Returns(ValueTask.FromResult(Good), ValueTask.FromResult(next));
        using var reloads = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.config.reloads");
        await using var service = new ConveyService(silent, _runtime, [_engine], _health, _metrics, TimeProvider.System, _logger);
        await service.StartAsync(CancellationToken.None);
        await WaitAsync(_applied);

        service.RequestReload();
        await reloads.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(30));

        Assert.Same(next, _runtime.Current.Config);
        Assert.Equal("applied", Assert.Single(reloads.GetMeasurementSnapshot()).Tags[ConveyMetricTags.ReloadResult]);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_requested_reload_of_a_refused_configuration_is_counted_and_the_old_state_stays()
    {
        var silent = Substitute.For<IConfigSource>();
        silent.GetReloadToken().Returns(new CancellationChangeToken(CancellationToken.None));
        var refused = new ConfigException(new ConfigError("convey.toml", 0, 0, "", "the file is empty."));
        silent.LoadAsync(Arg.Any<CancellationToken>()).Returns(ValueTask.FromResult(Good), ValueTask.FromException<ConveyConfig>(refused));
        using var reloads = new MetricCollector<long>(_meters, ConveyMetrics.MeterName, "convey.config.reloads");
        await using var service = new ConveyService(silent, _runtime, [_engine], _health, _metrics, TimeProvider.System, _logger);
        await service.StartAsync(CancellationToken.None);
        var before = _runtime.Current;

        service.RequestReload();
        await reloads.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(30));

        Assert.Same(before, _runtime.Current);
        Assert.Equal(1, service.ReloadFailures);
        Assert.Same(refused, service.LastReloadError);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stop_stops_the_engines_and_the_health_checks()
    {
        await _service.StartAsync(CancellationToken.None);

        await _service.StopAsync(CancellationToken.None);

        await _engine.Received(1).StopAsync(Arg.Any<CancellationToken>());
        Assert.Empty(_health.MonitoredPools);
    }

    public async ValueTask DisposeAsync()
    {
        await _service.DisposeAsync();
        await _health.DisposeAsync();
        _metrics.Dispose();
        _meters.Dispose();
        _applied.Dispose();
    }

    private static async Task WaitAsync(SemaphoreSlim signal)
    {
        if (!await signal.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The engine was never handed a snapshot.");
        }
    }
}
