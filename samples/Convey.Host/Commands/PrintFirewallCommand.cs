using Convey.Forwarding;
using Convey.Host.CommandLine;
using Convey.Host.Hosting;
using Convey.RawPacket.Firewall;

namespace Convey.Host.Commands;

/// <summary>
/// <c>--print-firewall</c>: prints the nftables rules the packet engine installs for the configuration's
/// passthrough and DSR frontends, for users who set <c>manage_firewall = false</c> and manage their firewall themselves.
/// </summary>
internal static class PrintFirewallCommand
{
    public static async Task<int> RunAsync(HostArguments arguments, HostConsole console, CancellationToken cancellationToken)
    {
        var config = await StartupConfig.ReadAsync(arguments.ConfigPath, console, cancellationToken);
        if (config is null)
        {
            return ExitCodes.ConfigRefused;
        }

        var rules = FirewallRules.Render(config, arguments.DefaultMode ?? "proxy");
        await console.Out.WriteAsync(rules.Length > 0
            ? rules
            : "# No passthrough or DSR frontend: the packet engine needs no firewall rules (add --passthrough or --dsr?).\n");
        return ExitCodes.Success;
    }
}
