using Convey.Host.CommandLine;

namespace Convey.Host.Commands;

/// <summary><c>--help</c>: prints the usage text.</summary>
internal static class HelpCommand
{
    public static Task<int> RunAsync(HostArguments arguments, HostConsole console, CancellationToken cancellationToken)
    {
        UsageText.Write(console.Out);
        return Task.FromResult(ExitCodes.Success);
    }
}
