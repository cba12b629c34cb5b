using System.Diagnostics;
using System.Text;

namespace Convey.Testing;

/// <summary>The commands a namespace lab runs: tools that must succeed, and processes that run alongside a test.</summary>
public static class LabProcess
{
    /// <summary>
    /// Starts <paramref name="file"/> and returns at once; its standard output and error go to <paramref name="output"/>
    /// (locked while appended), and its standard input stays open until the caller closes it.
    /// </summary>
    public static Process Start(string file, IEnumerable<string> arguments, StringBuilder? output = null)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        var process = Process.Start(start)!;
        DataReceivedEventHandler append = (_, e) =>
        {
            if (output is not null && e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs <paramref name="file"/> to its end (60 s at most) and returns its standard output; throws with its standard error when it fails.</summary>
    public static async Task<string> RunAsync(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }
}
