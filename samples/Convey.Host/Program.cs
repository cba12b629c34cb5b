using Convey.Host.CommandLine;

var parsed = CommandLineParser.Parse(args);
if (parsed.Arguments is null)
{
    await Console.Error.WriteLineAsync($"convey: {parsed.Error}");
    UsageText.Write(Console.Error);
    return ExitCodes.Usage;
}

return await parsed.Arguments.Command.RunAsync(parsed.Arguments, HostConsole.System, CancellationToken.None);
