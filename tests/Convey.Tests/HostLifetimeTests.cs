using Convey.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Convey.Tests;

public class HostLifetimeTests
{
    [Fact]
    public async Task A_host_running_Convey_starts_stops_and_disposes_cleanly()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Services.AddConvey().AddInMemoryConfig(new ConveyConfig());
        var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();
        await ((IAsyncDisposable)host).DisposeAsync();
    }
}
