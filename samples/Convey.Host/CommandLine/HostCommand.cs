namespace Convey.Host.CommandLine;

/// <summary>
/// One thing the host can do, chosen by a flag (or by no flag at all: <see cref="HostCommands.Run"/>).
/// Commands are listed in <see cref="HostCommands.All"/>; the parser and the usage text read that table.
/// </summary>
/// <param name="Flag">The long flag, for example <c>--check</c>; empty for the default command.</param>
/// <param name="ShortFlag">The one-letter flag, for example <c>-h</c>, or null.</param>
/// <param name="Description">One line for the usage text.</param>
/// <param name="RunAsync">Runs the command and returns the process exit code.</param>
internal sealed record HostCommand(
    string Flag,
    string? ShortFlag,
    string Description,
    Func<HostArguments, HostConsole, CancellationToken, Task<int>> RunAsync);
