namespace Convey.Host.CommandLine;

/// <summary>The outcome of parsing the command line: the arguments, or what is wrong with them.</summary>
internal sealed record CommandLineResult(HostArguments? Arguments, string? Error)
{
    /// <summary>A command line that parsed.</summary>
    public static CommandLineResult Ok(HostArguments arguments) => new(arguments, null);

    /// <summary>A command line that did not parse, with a message saying why.</summary>
    public static CommandLineResult Fail(string error) => new(null, error);
}
