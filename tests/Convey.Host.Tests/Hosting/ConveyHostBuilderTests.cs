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
            new FrontendConfig { Name = "a", ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 1), Pool = "p", DrainTimeout = TimeSpan.FromSeconds(12) },
            new FrontendConfig { Name = "b", ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 2), Pool = "p", DrainTimeout = TimeSpan.FromSeconds(70) },
        ],
        Pools = [new BackendPoolConfig { Name = "p", Servers = ImmutableArray<ServerConfig>.Empty }],
    };

    [Theory]
    [InlineData(null, "proxy")]
    [InlineData("passthrough", "passthrough")]
    [InlineData("dsr", "dsr")]
    public void Mode_flags_become_the_default_mode_of_frontends_without_their_own(string? flag, string expected)
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

    private static IHost Build(string? mode) =>
        ConveyHostBuilder.Build(new HostArguments(HostCommands.Run, "unused.toml", mode), Config, convey => convey.AddInMemoryConfig(Config));
}
