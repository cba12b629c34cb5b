using Convey.Host.CommandLine;
using Convey.Host.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Convey.Host.Commands;

/// <summary>The default command: runs the balancer from the configuration file (or etcd key) until SIGTERM or SIGINT.</summary>
internal static class RunCommand
{
    public static async Task<int> RunAsync(HostArguments arguments, HostConsole console, CancellationToken cancellationToken)
    {
        var config = await StartupConfig.ReadAsync(arguments.ConfigPath, console, cancellationToken);
        if (config is null)
        {
            return ExitCodes.ConfigRefused;
        }

        using var host = ConveyHostBuilder.Build(arguments, config, convey => StartupConfig.AddSource(convey, arguments.ConfigPath));
        return await HostRunner.RunAsync(host, console, cancellationToken);
    }
}
