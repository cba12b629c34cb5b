using System.Net.Sockets;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Host.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Convey.Host.Hosting;

/// <summary>
/// Runs a built host until it stops, turning a refused start into a message and an exit code. A start refused by
/// an engine (a frontend cannot listen, the descriptor limit is too small) throws out of the host's start, before
/// systemd is told READY; a stop asked for while the host is still starting (SIGTERM) is a clean stop.
/// </summary>
internal static class HostRunner
{
    public static async Task<int> RunAsync(IHost host, HostConsole console, CancellationToken cancellationToken)
    {
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await host.RunAsync(cancellationToken);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
        catch (ConfigException ex)
        {
            ConfigErrorPrinter.Print(ex, console.Error);
            return ExitCodes.ConfigRefused;
        }
        catch (ForwardingException ex)
        {
            foreach (var line in ex.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                await console.Error.WriteLineAsync($"convey: {line}");
            }

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
