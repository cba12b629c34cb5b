using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Convey.Tests;

public class AddConveyTests
{
    [Fact]
    public void AddConvey_registers_the_runtime_its_hosted_service_and_the_announcement_through_BIRD()
    {
        var services = new ServiceCollection();
        services.AddConvey();
        // Convey's service and the announcement (idle without [announce]); the third hosted service is the health
        // checks' publisher, idle unless the application adds a publisher.
        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Assembly != typeof(HealthChecksBuilderAddCheckExtensions).Assembly));
        Assert.Contains(services, d => d.ServiceType == typeof(ConveyRuntime));
        Assert.Contains(services, d => d.ServiceType == typeof(Convey.Metrics.IAnnounceStatsSource));
    }

    [Fact]
    public void AddConvey_adds_the_proxy_engine()
    {
        var services = new ServiceCollection();
        services.AddConvey();
        Assert.Contains(services, d => d.ServiceType == typeof(Convey.Forwarding.IForwardingEngine) && d.ImplementationType == typeof(Convey.Proxy.ProxyEngine));
    }
}
