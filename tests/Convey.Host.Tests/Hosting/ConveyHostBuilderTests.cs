using System.Collections.Immutable;
using System.Net;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Host.CommandLine;
using Convey.Host.Hosting;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Convey.Host.Tests.Hosting;

public class ConveyHostBuilderTests
{
    private static readonly ConveyConfig Config = new()
    {
        Frontends =
        [
            new FrontendConfig { Name = "a", ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 1), Backend = "p", DrainTimeout = TimeSpan.FromSeconds(12) },
            new FrontendConfig { Name = "b", ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 2), Backend = "p", DrainTimeout = TimeSpan.FromSeconds(70) },
        ],
        Backends = [new BackendPoolConfig { Name = "p", Servers = ImmutableArray<ServerConfig>.Empty }],
    };

    [Theory]
    [InlineData(null, ForwardingMode.Proxy)]
    [InlineData(ForwardingMode.Passthrough, ForwardingMode.Passthrough)]
    [InlineData(ForwardingMode.Dsr, ForwardingMode.Dsr)]
    public void Mode_flags_become_the_default_mode_of_frontends_without_their_own(ForwardingMode? flag, ForwardingMode expected)
    {
        using var host = Build(flag);

        Assert.Equal(expected, host.Services.GetRequiredService<IOptions<ConveyOptions>>().Value.DefaultMode);
    }

    [Fact]
    public void Shutdown_deadline_outlasts_the_longest_frontend_drain()
    {
        using var host = Build(null);

        Assert.Equal(TimeSpan.FromSeconds(75), host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    private static IHost Build(ForwardingMode? mode) =>
        ConveyHostBuilder.Build(new HostArguments(HostCommands.Run, "unused.toml", mode), Config, convey => convey.AddInMemoryConfig(Config));
}
