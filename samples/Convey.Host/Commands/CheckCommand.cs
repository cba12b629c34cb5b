using Convey.Configuration;
using Convey.Host.CommandLine;
using Convey.Host.Hosting;

namespace Convey.Host.Commands;

/// <summary>
/// <c>--check</c>: reads the configuration file (or etcd key) and validates it as the running host would (the reader's checks,
/// then the runtime's with the host's engines, policies and default mode), like <c>nginx -t</c>.
/// </summary>
internal static class CheckCommand
{
    public static async Task<int> RunAsync(HostArguments arguments, HostConsole console, CancellationToken cancellationToken)
    {
        var config = await StartupConfig.ReadAsync(arguments.ConfigPath, console, cancellationToken);
        if (config is null)
        {
            return ExitCodes.ConfigRefused;
        }

        var errors = await ConveyHostBuilder.ValidateAsync(arguments, config);
        if (errors.Count > 0)
        {
            ConfigErrorPrinter.Print(new ConfigException(errors), console.Error);
            return ExitCodes.ConfigRefused;
        }

        await console.Out.WriteLineAsync(
            $"{config.Source}: configuration is valid ({config.Frontends.Length} frontend(s), {config.Pools.Length} pool(s)).");
        return ExitCodes.Success;
    }
}
