using Convey.Configuration;
using System.Diagnostics.Metrics;
using Convey.Balancing;
using Convey.DependencyInjection;
using Convey.Forwarding;
using Convey.Health;
using Convey.Metrics;
using Convey.Readiness;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Convey's control plane: runtime, balancing policies, health checks, readiness checks and the hosted service.</summary>
public static class ConveyCoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds the core of Convey without any forwarding engine; <c>AddConvey()</c> from the <c>Convey</c>
    /// package adds the engines too. Every registration uses <c>TryAdd</c>, so any part can be replaced.
    /// </summary>
    public static IConveyBuilder AddConveyCore(this IServiceCollection services, Action<ConveyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ConveyOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<BackendSelectorRegistry>();
        services.TryAddSingleton(sp => new ConveyRuntime(
            sp.GetRequiredService<BackendSelectorRegistry>(),
            sp.GetRequiredService<IOptions<ConveyOptions>>(),
            () => sp.GetServices<IForwardingEngine>(),
            () => sp.GetServices<IConfigSettingsOwner>()));
        services.TryAddSingleton<IHealthProbe, TcpConnectProbe>();
        services.TryAddSingleton<HealthCoordinator>();
        services.TryAddSingleton(CreateMetrics);
        services.TryAddSingleton<ConveyService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ConveyService>(sp => sp.GetRequiredService<ConveyService>()));
        services.TryAddSingleton(sp => new ConveyBalancer(
            sp.GetRequiredService<ConveyRuntime>(),
            sp.GetRequiredService<ConveyService>(),
            sp.GetService<IAnnounceStatsSource>()));
        AddBuiltInSelectors(services);
        AddHealthChecks(services);
        return new ConveyBuilder(services);
    }

    /// <summary>Readiness checks tagged <see cref="ConveyHealthChecks.ReadyTag"/>, registered once however often AddConveyCore runs.</summary>
    private static void AddHealthChecks(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(HealthChecksMarker)))
        {
            return;
        }

        services.AddSingleton(new HealthChecksMarker());
        services.AddHealthChecks()
            .AddCheck<FrontendsListeningCheck>(ConveyHealthChecks.Frontends, tags: [ConveyHealthChecks.ReadyTag])
            .AddCheck<PoolsHealthyCheck>(ConveyHealthChecks.Pools, tags: [ConveyHealthChecks.ReadyTag])
            .AddCheck<LastReloadCheck>(ConveyHealthChecks.Reload, tags: [ConveyHealthChecks.ReadyTag]);
    }

    /// <summary>Uses the host's <see cref="IMeterFactory"/> when there is one (generic hosts register it), else a meter of its own.</summary>
    private static ConveyMetrics CreateMetrics(IServiceProvider services)
    {
        var runtime = services.GetRequiredService<ConveyRuntime>();
        return services.GetService<IMeterFactory>() is { } meterFactory
            ? new ConveyMetrics(meterFactory, runtime)
            : ConveyMetrics.CreateStandalone(runtime);
    }

    private static void AddBuiltInSelectors(IServiceCollection services)
    {
        // Registered once even if AddConveyCore runs twice; a policy the application registers under a
        // built-in name later still wins, since the registry keeps the last registration of a name.
        if (services.Any(d => d.ServiceType == typeof(BuiltInSelectorsMarker)))
        {
            return;
        }

        services.AddSingleton(new BuiltInSelectorsMarker());
        services.AddSingleton(new BackendSelectorRegistration(BalancingPolicyNames.RoundRobin, _ => new RoundRobinSelector()));
        services.AddSingleton(new BackendSelectorRegistration(BalancingPolicyNames.WeightedRandom, _ => new WeightedRandomSelector()));
        services.AddSingleton(new BackendSelectorRegistration(BalancingPolicyNames.LeastConnections, _ => new LeastConnectionsSelector()));
        services.AddSingleton(new BackendSelectorRegistration(BalancingPolicyNames.PowerOfTwoChoices, _ => new PowerOfTwoChoicesSelector()));
        services.AddSingleton(new BackendSelectorRegistration(BalancingPolicyNames.Maglev, _ => new MaglevSelector(MaglevKey.Flow)));
        services.AddSingleton(new BackendSelectorRegistration(BalancingPolicyNames.MaglevSource, _ => new MaglevSelector(MaglevKey.SourceAddress)));
    }

    private sealed class BuiltInSelectorsMarker;

    private sealed class HealthChecksMarker;
}
