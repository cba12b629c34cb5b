using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Convey.Host.Tests.Infrastructure;

/// <summary>
/// The real host running as a child process, with its output captured: the built Convey.Host.dll, or the published
/// native binary named by <see cref="HostBinary.BinaryVariable"/>.
/// </summary>
internal sealed partial class HostProcess : IAsyncDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _error = new();
    private readonly object _lock = new();

    private HostProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Standard output so far.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _out.ToString();
            }
        }
    }

    /// <summary>Whether the host has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Standard error so far.</summary>
    public string Error
    {
        get
        {
            lock (_lock)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the host with <paramref name="args"/> in <paramref name="workingDirectory"/> (default: a temp folder),
    /// with extra environment variables; with <paramref name="descriptorLimit"/>, under that <c>ulimit -n</c> (through
    /// util-linux's prlimit); with <paramref name="launcher"/>, through that command (e.g. setpriv dropping a capability).
    /// </summary>
    public static HostProcess Start(
        string[] args,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        int? descriptorLimit = null,
        IReadOnlyList<string>? launcher = null)
    {
        var command = new List<string>(launcher ?? []);
        if (descriptorLimit is { } limit)
        {
            command.AddRange(["prlimit", $"--nofile={limit}"]);
        }

        command.AddRange(HostBinary.Command);
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var part in command.Skip(1))
        {
            info.ArgumentList.Add(part);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        var host = new HostProcess(process);
        process.OutputDataReceived += (_, e) => host.Append(host._out, e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(host._error, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Runs the host to completion and returns its exit code.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunToExitAsync(params string[] args) =>
        RunToExitAsync(args, descriptorLimit: null);

    /// <summary>Runs the host to completion, optionally under a descriptor limit or through a launcher, and returns its exit code.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunToExitAsync(string[] args, int? descriptorLimit, IReadOnlyList<string>? launcher = null)
    {
        await using var host = Start(args, descriptorLimit: descriptorLimit, launcher: launcher);
        var code = await host.WaitForExitAsync();
        return (code, host.Output, host.Error);
    }

    /// <summary>Waits until standard output contains <paramref name="text"/>; fails when the host exits or time runs out.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        try
        {
            await Eventually.TrueAsync(() => Printed(text), $"the host prints '{text}'", timeout ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nstdout:\n{Output}\nstderr:\n{Error}", ex);
        }
    }

    /// <summary>Sends SIGTERM, as systemd or <c>kill</c> would.</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>Sends <paramref name="signal"/> to the host.</summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the host to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The host did not exit within {ExitTimeout}.\nstdout:\n{Output}\nstderr:\n{Error}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private bool Printed(string text) =>
        Output.Contains(text, StringComparison.Ordinal) || (_process.HasExited
            ? throw new InvalidOperationException($"The host exited ({_process.ExitCode}) before printing '{text}'.\nstdout:\n{Output}\nstderr:\n{Error}")
            : false);

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            target.AppendLine(line);
        }
    }

    public const int SigHup = 1;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
