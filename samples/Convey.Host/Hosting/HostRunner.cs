using System.Net.Sockets;
using Convey.Configuration;
using Convey.Host.CommandLine;
using Microsoft.Extensions.Hosting;

namespace Convey.Host.Hosting;

/// <summary>Runs a built host until it stops, turning a refused start into a message and an exit code.</summary>
internal static class HostRunner
{
    public static async Task<int> RunAsync(IHost host, HostConsole console, CancellationToken cancellationToken)
    {
        try
        {
            await host.RunAsync(cancellationToken);
            return ExitCodes.Success;
        }
        catch (ConfigException ex)
        {
            ConfigErrorPrinter.Print(ex, console.Error);
            return ExitCodes.ConfigRefused;
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            // Typically the stats port is taken (Kestrel reports "Failed to bind to address ...").
            await console.Error.WriteLineAsync($"convey: cannot open a listener: {ex.Message}");
            return ExitCodes.ConfigRefused;
        }
    }
}
