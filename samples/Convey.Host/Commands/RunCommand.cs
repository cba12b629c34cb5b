using Convey.Host.CommandLine;
using Convey.Host.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Convey.Host.Commands;

/// <summary>The default command: runs the balancer from the configuration file until SIGTERM or SIGINT.</summary>
internal static class RunCommand
{
    public static async Task<int> RunAsync(HostArguments arguments, HostConsole console, CancellationToken cancellationToken)
    {
        var config = StartupConfig.Read(arguments.ConfigPath, console);
        if (config is null)
        {
            return ExitCodes.ConfigRefused;
        }

        using var host = ConveyHostBuilder.Build(arguments, config, convey => convey.AddTomlFile(arguments.ConfigPath));
        return await HostRunner.RunAsync(host, console, cancellationToken);
    }
}
