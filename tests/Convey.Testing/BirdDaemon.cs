using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Convey.Testing;

/// <summary>
/// A real BIRD 2 (Debian <c>bird2</c>) run by a test in the foreground, with its configuration and control socket in a
/// temporary folder of its own: one static protocol <c>vip</c> holding a blackhole route to 198.18.4.1/32, started
/// disabled (as on a balancer node of the fleet lab), and no kernel or BGP protocol, so it touches no routing table
/// and opens no port. Killed and its folder removed on dispose. BIRD's state of the protocol is what a test asserts on.
/// </summary>
public sealed class BirdDaemon : IAsyncDisposable
{
    /// <summary>Where Debian's bird2 installs BIRD.</summary>
    public const string BirdPath = "/usr/sbin/bird";

    /// <summary>Where Debian's bird2 installs BIRD's light client.</summary>
    public const string BirdClPath = "/usr/sbin/birdcl";

    /// <summary>The protocol of the route to the service address.</summary>
    public const string Protocol = "vip";

    private readonly StringBuilder _output = new();
    private Process? _process;

    private BirdDaemon(string folder)
    {
        Folder = folder;
    }

    /// <summary>The folder of the configuration and the socket.</summary>
    public string Folder { get; }

    /// <summary>BIRD's control socket.</summary>
    public string SocketPath => Path.Combine(Folder, "bird.ctl");

    /// <summary>BIRD's process id.</summary>
    public int Pid => _process!.Id;

    /// <summary>What BIRD wrote (its log goes to standard error).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Requires BIRD and its client (the test is skipped without them, and fails under CI).</summary>
    public static void Require()
    {
        Prerequisite.RequireFile(BirdPath, "apt-get install -y bird2; the announcement is tested against a real BIRD");
        Prerequisite.RequireFile(BirdClPath, "apt-get install -y bird2 (it carries birdcl, which the crash guard runs)");
    }

    /// <summary>Starts BIRD in a new temporary folder and waits until its control socket answers.</summary>
    public static async Task<BirdDaemon> StartAsync()
    {
        Require();
        var daemon = new BirdDaemon(Directory.CreateTempSubdirectory("convey-bird-").FullName);
        try
        {
            await daemon.RunAsync();
            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills BIRD and starts it again on the same configuration and socket: the protocol is disabled again, as configured.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await RunAsync();
    }

    /// <summary>The <c>show protocols</c> state word of <see cref="Protocol"/>: <c>up</c> once enabled, <c>down</c> while disabled.</summary>
    public async Task<string> ProtocolStateAsync()
    {
        var output = await BirdClAsync($"show protocols {Protocol}");
        var row = output.Split('\n').FirstOrDefault(l => l.StartsWith(Protocol + " ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"birdcl listed no protocol {Protocol}: {output}");
        return row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
    }

    /// <summary>Runs one command with BIRD's own client, as an operator would.</summary>
    public async Task<string> BirdClAsync(string command)
    {
        var info = new ProcessStartInfo(BirdClPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-s");
        info.ArgumentList.Add(SocketPath);
        foreach (var word in command.Split(' '))
        {
            info.ArgumentList.Add(word);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(timeout.Token);
        return await output + await error;
    }

    /// <summary>Kills BIRD (its control socket stops answering).</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            process.Dispose();
            _process = null;
        }

        File.Delete(SocketPath);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(Folder, recursive: true);
    }

    private async Task RunAsync()
    {
        var config = Path.Combine(Folder, "bird.conf");
        await File.WriteAllTextAsync(config, $$"""
            log stderr all;
            router id 198.18.0.1;
            protocol static {{Protocol}} { disabled; ipv4; route 198.18.4.1/32 blackhole; }

            """);
        var info = new ProcessStartInfo(BirdPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-f", "-c", config, "-s", SocketPath, "-P", Path.Combine(Folder, "bird.pid") })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Eventually.TrueAsync(
            () => process.HasExited ? throw new InvalidOperationException($"bird exited ({process.ExitCode}): {Output}") : Accepts(SocketPath),
            "BIRD accepts on its control socket");
    }

    /// <summary>Whether a connection to the socket is accepted (the file appears at bind, before BIRD listens).</summary>
    private static bool Accepts(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
