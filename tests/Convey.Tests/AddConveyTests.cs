using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Convey.Tests;

public class AddConveyTests
{
    [Fact]
    public void AddConvey_registers_one_hosted_service_of_its_own_and_the_runtime()
    {
        var services = new ServiceCollection();
        services.AddConvey();
        // The other hosted service is the health checks' publisher, idle unless the application adds a publisher.
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Assembly != typeof(HealthChecksBuilderAddCheckExtensions).Assembly);
        Assert.Contains(services, d => d.ServiceType == typeof(ConveyRuntime));
    }

    [Fact]
    public void AddConvey_adds_the_proxy_engine()
    {
        var services = new ServiceCollection();
        services.AddConvey();
        Assert.Contains(services, d => d.ServiceType == typeof(Convey.Forwarding.IForwardingEngine) && d.ImplementationType == typeof(Convey.Proxy.ProxyEngine));
    }
}
