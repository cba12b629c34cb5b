using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Convey.Tests.Packaging;

/// <summary>
/// A fresh console app that installs Convey from a <see cref="LocalFeed"/> and runs a given Program.cs, started and
/// stopped as a service manager would (SIGTERM).
/// </summary>
internal sealed partial class EmbeddingApp : IAsyncDisposable
{
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _output;

    private EmbeddingApp(Process process, StringBuilder output)
    {
        _process = process;
        _output = output;
    }

    /// <summary>Creates the app <paramref name="name"/> with <paramref name="program"/> as its Program.cs and builds it; returns its folder.</summary>
    public static async Task<string> CreateAsync(LocalFeed feed, string name, string program)
    {
        await DotnetCli.RunAsync(feed.Apps, LocalFeed.StepTimeout, "new", "console", "-o", name, "-n", name, "--framework", "net10.0");
        var app = Path.Combine(feed.Apps, name);
        // The local feed stays known to later restores, beside the registry the machine already uses.
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="convey-test-feed" value="{feed.Path}" />
              </packageSources>
            </configuration>
            """);
        // As a user installs from a feed of their own: that one source, holding Convey and what it depends on.
        await DotnetCli.RunAsync(app, LocalFeed.StepTimeout, "add", "package", "Convey", "--version", feed.Version, "--source", feed.Path);
        await DotnetCli.RunAsync(app, LocalFeed.StepTimeout, "add", "package", "Microsoft.Extensions.Hosting", "--version", "10.0.5");
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), program);
        await DotnetCli.RunAsync(app, LocalFeed.StepTimeout, "build", "-c", "Release");
        return app;
    }

    /// <summary>Runs the built app in its folder (its content root) and waits until it logs that Convey started.</summary>
    public static async Task<EmbeddingApp> StartAsync(string app)
    {
        var name = Path.GetFileName(app);
        var (process, output) = DotnetCli.StartCaptured(app, Path.Combine("bin", "Release", "net10.0", name + ".dll"));
        var started = new EmbeddingApp(process, output);
        try
        {
            await started.WaitForOutputAsync("Convey started");
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }

        return started;
    }

    /// <summary>Everything the app wrote so far.</summary>
    public string Output => DotnetCli.Read(_output);

    /// <summary>Waits until the app has written <paramref name="text"/> <paramref name="times"/> times; fails if it exits or takes a minute.</summary>
    public async Task WaitForOutputAsync(string text, int times = 1)
    {
        try
        {
            await Eventually.TrueAsync(
                () => Occurrences(Output, text) >= times || (_process.HasExited ? throw new InvalidOperationException($"the app exited ({_process.ExitCode}):\n{Output}") : false),
                $"the app writes \"{text}\" {times} time(s)",
                StartPatience);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{Output}", ex);
        }
    }

    /// <summary>Sends SIGTERM and waits for the app to exit; returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15);
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _process.WaitForExitAsync(exit.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private static int Occurrences(string output, string text)
    {
        var count = 0;
        for (var at = output.IndexOf(text, StringComparison.Ordinal); at >= 0; at = output.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
