using System.Text;

namespace Convey.Host.CommandLine;

/// <summary>The usage text, built from the command table so that every command is listed.</summary>
internal static class UsageText
{
    /// <summary>Writes the usage text.</summary>
    public static void Write(TextWriter writer)
    {
        var text = new StringBuilder();
        text.AppendLine("Usage: convey [--config=<file>] [-p|--passthrough] [-d|--dsr] [command]");
        text.AppendLine();
        text.AppendLine("Runs a Layer 4 load balancer from a TOML configuration file, or from the TOML document under an etcd key.");
        text.AppendLine();
        text.AppendLine("Options:");
        Line(text, "--config=<file>, --config <file>", $"configuration file (default {HostArguments.DefaultConfigPath})");
        Line(text, "--config=etcd://<host:port>/<key>", "the TOML document under an etcd key, watched (etcds:// for TLS; more endpoints");
        Line(text, "", "comma-separated; credentials and TLS files from CONVEY_ETCD_* variables)");
        Line(text, "-p, --passthrough", "run frontends without their own mode in passthrough (NAT) mode");
        Line(text, "-d, --dsr", "run frontends without their own mode in direct server return mode");
        text.AppendLine();
        text.AppendLine("Commands (default: run the balancer):");
        foreach (var command in HostCommands.All)
        {
            Line(text, command.ShortFlag is null ? command.Flag : $"{command.ShortFlag}, {command.Flag}", command.Description);
        }

        writer.Write(text.ToString());
    }

    private static void Line(StringBuilder text, string flags, string description) =>
        text.Append("  ").Append(flags.PadRight(34)).AppendLine(description);
}
