using System.Diagnostics;
using Convey.Proxy.Tests.Support;
using Convey.Proxy.Tests.Transport;

namespace Convey.Proxy.Tests;

/// <summary>
/// This test assembly run as a program, <c>dotnet Convey.Proxy.Tests.dll SCENARIO</c>: for what ends the process
/// (a fatal event loop), which a test can only watch from outside. The test runner loads the assembly as a
/// library and never calls <see cref="Main"/>.
/// </summary>
internal static class ChildProcess
{
    /// <summary>An event loop whose epoll_wait fails: <see cref="EpollLoopFailure"/>.</summary>
    public const string EpollLoopFails = "epoll-loop-fails";

    public static int Main(string[] args) => args switch
    {
        [EpollLoopFails] when OperatingSystem.IsLinux() => EpollLoopFailure.Run(),
        _ => Unknown(args),
    };

    /// <summary>Runs <paramref name="scenario"/> in a child process and returns its exit code and standard error.</summary>
    public static async Task<(int ExitCode, string Error)> RunAsync(string scenario)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        info.ArgumentList.Add(scenario);

        // A process stopped on purpose leaves no crash dump behind.
        info.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        using var child = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        try
        {
            await child.WaitForExitAsync().WaitAsync(Eventually.Patience * 2);
        }
        catch (TimeoutException)
        {
            child.Kill(entireProcessTree: true);
            throw;
        }

        await output;
        return (child.ExitCode, await error);
    }

    private static int Unknown(string[] args)
    {
        Console.Error.WriteLine($"unknown scenario '{string.Join(' ', args)}'; known: {EpollLoopFails} (Linux)");
        return 2;
    }
}
