using Convey.Forwarding;

namespace Convey.Host.CommandLine;

/// <summary>What the command line asked for: which command to run, with which configuration file and mode.</summary>
/// <param name="Command">The command to run (the balancer itself unless a command flag was given).</param>
/// <param name="ConfigPath">The configuration file, or <c>etcd://host:port/key</c> (<c>--config</c>, default <c>config.toml</c>).</param>
/// <param name="DefaultMode">The mode set by <c>--passthrough</c> or <c>--dsr</c>; null keeps proxy as the default.</param>
internal sealed record HostArguments(HostCommand Command, string ConfigPath, string? DefaultMode)
{
    /// <summary>The configuration file used when <c>--config</c> is not given.</summary>
    public const string DefaultConfigPath = "config.toml";
}
