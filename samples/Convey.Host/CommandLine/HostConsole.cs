namespace Convey.Host.CommandLine;

/// <summary>Where a command writes: its normal output and its errors (the process's console, or a test's writers).</summary>
/// <param name="Out">Normal output.</param>
/// <param name="Error">Errors and usage after a mistake.</param>
internal sealed record HostConsole(TextWriter Out, TextWriter Error)
{
    /// <summary>The process's standard output and error.</summary>
    public static HostConsole System { get; } = new(Console.Out, Console.Error);
}
