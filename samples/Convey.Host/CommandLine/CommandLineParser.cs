using Convey.Forwarding;

namespace Convey.Host.CommandLine;

/// <summary>
/// Parses the host's command line, compatible with the original Convey
/// (<c>convey [--config=&lt;file&gt;] [-p|--passthrough] [-d|--dsr] [-h|--help] [-v|--version]</c>)
/// plus the commands of <see cref="HostCommands.All"/>.
/// </summary>
internal static class CommandLineParser
{
    /// <summary>Parses <paramref name="args"/>; returns the arguments, or the reason they are wrong.</summary>
    public static CommandLineResult Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        HostCommand? command = null;
        string? configPath = null;
        string? mode = null;

        for (var i = 0; i < args.Count; i++)
        {
            var (flag, inlineValue) = Split(args[i]);
            switch (flag)
            {
                case "--config" or "-c":
                    var value = inlineValue ?? (i + 1 < args.Count && !args[i + 1].StartsWith('-') ? args[++i] : null);
                    if (string.IsNullOrWhiteSpace(value))
                    {
                        return CommandLineResult.Fail($"{flag} needs a file name or an etcd URL, for example {flag}=convey.toml or {flag}=etcd://127.0.0.1:2379/convey/config.");
                    }

                    if (configPath is not null)
                    {
                        return CommandLineResult.Fail($"{flag} is given twice; name one configuration file or etcd key.");
                    }

                    configPath = value;
                    continue;

                case "--passthrough" or "-p" or "--dsr" or "-d":
                    if (inlineValue is not null)
                    {
                        return CommandLineResult.Fail($"{flag} takes no value.");
                    }

                    var flagMode = flag is "--dsr" or "-d" ? "dsr" : "passthrough";
                    if (mode is not null && mode != flagMode)
                    {
                        return CommandLineResult.Fail("--passthrough and --dsr exclude each other; choose one default mode.");
                    }

                    mode = flagMode;
                    continue;
            }

            var found = HostCommands.Find(flag);
            if (found is null)
            {
                return CommandLineResult.Fail(flag.StartsWith('-')
                    ? $"unknown option '{flag}'."
                    : $"unexpected argument '{args[i]}'; name the configuration file with --config={args[i]}.");
            }

            if (inlineValue is not null)
            {
                return CommandLineResult.Fail($"{flag} takes no value.");
            }

            if (command is not null && command != found)
            {
                return CommandLineResult.Fail($"{command.Flag} and {found.Flag} cannot be used together; choose one.");
            }

            command = found;
        }

        return CommandLineResult.Ok(new HostArguments(command ?? HostCommands.Run, configPath ?? HostArguments.DefaultConfigPath, mode));
    }

    private static (string Flag, string? Value) Split(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0
            ? (arg[..equals], arg[(equals + 1)..])
            : (arg, null);
    }
}
