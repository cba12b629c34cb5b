using Convey.Host.CommandLine;
using Convey.Host.Hosting;

namespace Convey.Host.Commands;

/// <summary><c>--check</c>: reads and validates the configuration file, like <c>nginx -t</c>.</summary>
internal static class CheckCommand
{
    public static async Task<int> RunAsync(HostArguments arguments, HostConsole console, CancellationToken cancellationToken)
    {
        var config = StartupConfig.Read(arguments.ConfigPath, console);
        if (config is null)
        {
            return ExitCodes.ConfigRefused;
        }

        await console.Out.WriteLineAsync(
            $"{arguments.ConfigPath}: configuration is valid ({config.Frontends.Length} frontend(s), {config.Backends.Length} pool(s)).");
        return ExitCodes.Success;
    }
}
