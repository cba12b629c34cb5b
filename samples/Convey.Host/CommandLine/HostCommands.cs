using Convey.Host.Commands;

namespace Convey.Host.CommandLine;

/// <summary>The host's command table: add a row here to add a command (its flag, help line and handler).</summary>
internal static class HostCommands
{
    /// <summary>Runs the balancer from the configuration file (no command flag given).</summary>
    public static HostCommand Run { get; } = new("", null, "run the balancer", RunCommand.RunAsync);

    /// <summary>Every command chosen by a flag, in the order the usage text lists them.</summary>
    public static IReadOnlyList<HostCommand> All { get; } =
    [
        new("--check", null, "check the configuration file and exit: 0 when valid, 1 with every error", CheckCommand.RunAsync),
        new("--demo", null, "run a demo: a proxy on 127.0.0.1:8080 over two built-in backends, stats on 127.0.0.1:7000", DemoCommand.RunAsync),
        new("--help", "-h", "print this help and exit", HelpCommand.RunAsync),
        new("--print-firewall", null, "print the nftables rules passthrough and DSR frontends need (for manage_firewall = false) and exit", PrintFirewallCommand.RunAsync),
        new("--version", "-v", "print the version and exit", VersionCommand.RunAsync),
    ];

    /// <summary>The command whose long or short flag is <paramref name="flag"/>, or null.</summary>
    public static HostCommand? Find(string flag) =>
        All.FirstOrDefault(c => c.Flag == flag || (c.ShortFlag is not null && c.ShortFlag == flag));
}
