using Convey.Configuration;
using Convey.Health;
using Convey.Readiness;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Readiness;

/// <summary>The readiness checks AddConveyCore registers, run through the ecosystem's HealthCheckService.</summary>
public sealed class ReadinessChecksTests : IAsyncDisposable
{
    private static readonly ConveyConfig Good = Config(
        [Pool("web", Server("a", 8001), Server("b", 8002)), Pool("db", Server("d", 5432))],
        [Frontend("front", 9000, "web"), Frontend("sql", 9001, "db")]);

    private readonly ServiceProvider _provider;
    private readonly ConveyService _service;

    public ReadinessChecksTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        // No probe answers, so health is driven by the test alone.
        var probe = Substitute.For<IHealthProbe>();
        probe.ProbeAsync(default!, default).ReturnsForAnyArgs(_ => new ValueTask<HealthProbeResult>(new TaskCompletionSource<HealthProbeResult>().Task));
        services.AddSingleton(probe);
        services.AddConveyCore().AddInMemoryConfig(Good);
        services.AddConveyCore();
        _provider = services.BuildServiceProvider();
        _service = _provider.GetRequiredService<ConveyService>();
    }

    private ConveyRuntime Runtime => _provider.GetRequiredService<ConveyRuntime>();

    [Fact]
    public async Task Not_ready_before_the_configuration_is_applied()
    {
        var report = await ReadinessAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Equal("no configuration is applied yet", report.Entries[ConveyHealthChecks.Frontends].Description);
    }

    [Fact]
    public async Task Not_ready_while_a_frontend_is_not_listening_and_the_reason_names_it()
    {
        await _service.StartAsync(CancellationToken.None);
        Runtime.Current.Frontends["front"].ReportListening();
        Runtime.Current.Frontends["sql"].ReportNotListening("address already in use");

        var report = await ReadinessAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Equal("frontend sql (127.0.0.1:9001) is not listening: address already in use", report.Entries[ConveyHealthChecks.Frontends].Description);
    }

    [Fact]
    public async Task Ready_once_the_configuration_is_applied_and_every_frontend_listens()
    {
        await _service.StartAsync(CancellationToken.None);
        ListenAll();

        var report = await ReadinessAsync();

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(3, report.Entries.Count);
    }

    [Fact]
    public async Task Degraded_while_a_pool_has_no_healthy_server()
    {
        await _service.StartAsync(CancellationToken.None);
        ListenAll();
        foreach (var server in Runtime.Current.Pools["web"].Servers)
        {
            server.SetHealthy(false);
        }

        var report = await ReadinessAsync();

        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Equal("pool web has no healthy server (all 2 down)", report.Entries[ConveyHealthChecks.Pools].Description);
    }

    [Fact]
    public async Task Degraded_after_a_refused_reload_with_its_source_and_error_until_a_reload_applies()
    {
        await _service.StartAsync(CancellationToken.None);
        ListenAll();
        var source = _provider.GetRequiredService<InMemoryConfigSource>();

        source.Update(Config(Pool("web", Server("a", 8001, weight: -1)), Frontend("front", 9000, "web")));
        var report = await ReadinessUntilAsync(r => r.Entries[ConveyHealthChecks.Reload].Status != HealthStatus.Healthy, "the reload check is no longer healthy");

        Assert.Equal(HealthStatus.Degraded, report.Status);
        var reason = report.Entries[ConveyHealthChecks.Reload].Description!;
        Assert.StartsWith("last reload from in-memory at ", reason, StringComparison.Ordinal);
        Assert.Contains("was refused: ", reason, StringComparison.Ordinal);
        Assert.Contains("backends.web.servers.a.weight", reason, StringComparison.Ordinal);

        source.Update(Good);
        report = await ReadinessUntilAsync(r => r.Entries[ConveyHealthChecks.Reload].Status == HealthStatus.Healthy, "the reload check is healthy again");
        Assert.Equal(HealthStatus.Healthy, report.Status);
    }

    public async ValueTask DisposeAsync()
    {
        await _service.StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
    }

    private void ListenAll()
    {
        foreach (var frontend in Runtime.Current.Frontends.Values)
        {
            frontend.ReportListening();
        }
    }

    private Task<HealthReport> ReadinessAsync() =>
        _provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains(ConveyHealthChecks.ReadyTag));

    private Task<HealthReport> ReadinessUntilAsync(Func<HealthReport, bool> condition, string what) =>
        Eventually.ReturnsAsync(ReadinessAsync, condition, what, TimeSpan.FromSeconds(30));
}
