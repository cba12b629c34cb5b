using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using System.Net;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Health;
using Convey.Metrics;
using Convey.Readiness;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.DependencyInjection;

public class AddConveyCoreTests
{
    private static ServiceCollection Services()
    {
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        return services;
    }

    [Fact]
    public void Registers_every_part_of_the_control_plane()
    {
        var services = Services();
        services.AddConveyCore().AddInMemoryConfig(Web(Server("a", 8001)));
        using var provider = services.BuildServiceProvider();

        Assert.IsType<TcpConnectProbe>(provider.GetRequiredService<IHealthProbe>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.NotNull(provider.GetRequiredService<ConveyRuntime>());
        Assert.NotNull(provider.GetRequiredService<HealthCoordinator>());
        Assert.NotNull(provider.GetRequiredService<ConveyMetrics>());
        Assert.Contains(BalancingPolicyNames.RoundRobin, provider.GetRequiredService<BackendSelectorRegistry>().Names);
        Assert.Same(provider.GetRequiredService<ConveyService>(), Assert.Single(provider.GetServices<IHostedService>().OfType<ConveyService>()));
    }

    [Fact]
    public void Calling_it_twice_still_registers_one_hosted_service()
    {
        var services = Services();
        services.AddConveyCore();
        services.AddConveyCore();

        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Assembly != typeof(HealthChecksBuilderAddCheckExtensions).Assembly);
        Assert.Single(services, d => d.ServiceType == typeof(ConveyRuntime));
    }

    [Fact]
    public void Readiness_checks_are_registered_once_and_tagged_ready()
    {
        var services = Services();
        services.AddConveyCore();
        services.AddConveyCore();
        using var provider = services.BuildServiceProvider();

        var checks = provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;

        Assert.Equal([ConveyHealthChecks.Frontends, ConveyHealthChecks.Pools, ConveyHealthChecks.Reload], checks.Select(c => c.Name));
        Assert.All(checks, c => Assert.Contains(ConveyHealthChecks.ReadyTag, c.Tags));
    }

    [Fact]
    public void Metrics_use_the_registered_meter_factory()
    {
        var services = Services();
        using var meters = new Runtime.TestMeterFactory();
        services.AddSingleton<IMeterFactory>(meters);
        services.AddConveyCore();
        using var provider = services.BuildServiceProvider();

        Assert.Same(meters, provider.GetRequiredService<ConveyMetrics>().Meter.Scope);
    }

    [Fact]
    public void Metrics_work_without_a_meter_factory()
    {
        var services = Services();
        services.AddConveyCore();
        using var provider = services.BuildServiceProvider();

        Assert.Equal(ConveyMetrics.MeterName, provider.GetRequiredService<ConveyMetrics>().Meter.Name);
    }

    [Fact]
    public void A_probe_registered_before_is_kept_and_one_added_after_replaces_the_default()
    {
        var before = Services();
        before.AddSingleton<IHealthProbe, AlwaysUpProbe>();
        before.AddConveyCore();
        var after = Services();
        after.AddConveyCore().AddHealthProbe<AlwaysUpProbe>();

        using var first = before.BuildServiceProvider();
        using var second = after.BuildServiceProvider();

        Assert.IsType<AlwaysUpProbe>(first.GetRequiredService<IHealthProbe>());
        Assert.IsType<AlwaysUpProbe>(second.GetRequiredService<IHealthProbe>());
    }

    [Fact]
    public void A_user_selector_is_available_by_name_and_can_replace_a_built_in_policy()
    {
        var services = Services();
        services.AddConveyCore()
            .AddSelector<FirstServerSelector>("first")
            .AddSelector<FirstServerSelector>(BalancingPolicyNames.RoundRobin);
        using var provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<BackendSelectorRegistry>();

        Assert.IsType<FirstServerSelector>(registry.Create("first"));
        Assert.IsType<FirstServerSelector>(registry.Create(BalancingPolicyNames.RoundRobin));
    }

    [Fact]
    public async Task A_user_config_source_feeds_the_runtime()
    {
        var services = Services();
        services.AddConveyCore().AddHealthProbe<AlwaysUpProbe>().AddConfigSource<FixedConfigSource>();
        await using var provider = services.BuildServiceProvider();
        var service = provider.GetRequiredService<ConveyService>();

        await service.StartAsync(CancellationToken.None);
        await service.StopAsync(CancellationToken.None);

        Assert.Same(FixedConfigSource.Config, provider.GetRequiredService<ConveyRuntime>().Current.Config);
    }

    private sealed class AlwaysUpProbe : IHealthProbe
    {
        public ValueTask<HealthProbeResult> ProbeAsync(IPEndPoint address, CancellationToken cancellationToken) =>
            ValueTask.FromResult(HealthProbeResult.Healthy);
    }

    private sealed class FirstServerSelector : IBackendSelector
    {
        private ImmutableArray<ServerState> _servers = [];

        public void Update(ImmutableArray<ServerState> availableServers) => _servers = availableServers;

        public ServerState? Select(in FlowKey flow) => _servers.IsEmpty ? null : _servers[0];
    }

    private sealed class FixedConfigSource : IConfigSource
    {
        public static ConveyConfig Config { get; } = Web(Server("fixed", 8111));

        public ValueTask<ConveyConfig> LoadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Config);

        public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);
    }
}
