using System.Reflection;
using Convey.Host.CommandLine;

namespace Convey.Host.Commands;

/// <summary><c>--version</c>: prints the version of Convey.</summary>
internal static class VersionCommand
{
    public static async Task<int> RunAsync(HostArguments arguments, HostConsole console, CancellationToken cancellationToken)
    {
        var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        await console.Out.WriteLineAsync($"convey {version.Split('+')[0]}");
        return ExitCodes.Success;
    }
}
