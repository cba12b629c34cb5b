using System.Diagnostics;

namespace Convey.Bird.Announcement;

/// <summary>
/// A small process that outlives Convey to withdraw the route if Convey dies without a word (SIGKILL, a crash, the
/// OOM killer): a shell, in a session of its own and deaf to SIGHUP, SIGINT and SIGTERM, that waits on a pipe whose
/// only writer is this process. When Convey stands it down (<see cref="ReleaseAsync"/>, after withdrawing the route
/// itself) it exits quietly; when the pipe closes without that word, which the kernel does as Convey's process ends
/// however it ends, it disables the protocol with BIRD's light client <c>birdcl</c> (retried for 4 s while BIRD does
/// not answer) and logs that through <c>logger</c> when there is one. It needs no BIRD configuration of its own, so
/// it works with a plain static route started disabled.
/// </summary>
internal sealed class CrashGuard : IDisposable
{
    /// <summary>
    /// The guard. $1 birdcl, $2 BIRD's socket, $3 the protocol, $4 Convey's pid. It says "armed" once deaf to the
    /// signals; <c>read</c> returns at the word "release" or at end of file, the pipe's close.
    /// </summary>
    private const string Script = """
        trap '' HUP INT TERM PIPE
        echo armed
        exec >/dev/null 2>&1
        IFS= read -r word
        [ "$word" = release ] && exit 0
        tries=0
        until out=$("$1" -s "$2" disable "\"$3\"" 2>&1); do
          tries=$((tries + 1))
          [ "$tries" -ge 8 ] && break
          sleep 0.5
        done
        command -v logger >/dev/null && logger -t convey-announce -p daemon.warning "Convey (pid $4) ended without withdrawing its route; disable $3 on $2: $out"
        exit 0
        """;

    private static readonly string[] SearchPath = [.. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries),
        "/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/bin"];

    private static readonly TimeSpan ArmTimeout = TimeSpan.FromSeconds(5);
    private readonly Process _process;

    private CrashGuard(Process process)
    {
        _process = process;
    }

    /// <summary>The guard's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Whether the guard still waits (false once it was killed or has fired).</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>
    /// Starts a guard over <paramref name="protocol"/> on BIRD's control socket <paramref name="socket"/>, using
    /// <paramref name="birdcl"/> or the first <c>birdcl</c> (then <c>birdc</c>) found on the PATH or in the sbin folders.
    /// </summary>
    /// <exception cref="InvalidOperationException">No BIRD client or shell is found, or the guard cannot start: the message says what to install or set.</exception>
    public static async Task<CrashGuard> StartAsync(string? birdcl, string socket, string protocol, CancellationToken cancellationToken)
    {
        var client = birdcl ?? Find("birdcl") ?? Find("birdc")
            ?? throw new InvalidOperationException("BIRD's client (birdcl or birdc) is not on the PATH nor in /usr/sbin; install BIRD's client (Debian: bird2) or set [announce] birdcl to its path.");
        if (!File.Exists(client))
        {
            throw new InvalidOperationException($"[announce] birdcl is {client}, which does not exist; install BIRD's client there (Debian: bird2) or correct the path.");
        }

        var shell = Find("sh") ?? throw new InvalidOperationException("no shell (sh) is on the PATH or in /bin; the crash guard runs in one.");
        var setsid = Find("setsid");
        var info = new ProcessStartInfo(setsid ?? shell)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };

        // Its own session (util-linux setsid): a kill of Convey's process group or terminal does not reach it.
        if (setsid is not null)
        {
            info.ArgumentList.Add(shell);
        }

        foreach (var argument in new[] { "-c", Script, "convey-announce-guard", client, socket, protocol, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"the crash guard ({shell}) did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"the crash guard ({setsid ?? shell}) cannot start: {ex.Message}.", ex);
        }

        var guard = new CrashGuard(process);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(ArmTimeout);
            var word = await process.StandardOutput.ReadLineAsync(deadline.Token).ConfigureAwait(false);
            return word == "armed" ? guard : throw new InvalidOperationException($"the crash guard ({shell}) ended before it was armed.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            guard.Kill();
            throw new InvalidOperationException($"the crash guard ({shell}) was not armed within {ArmTimeout.TotalSeconds} s.");
        }
        catch
        {
            guard.Kill();
            throw;
        }
    }

    /// <summary>Stands the guard down (the route was withdrawn, or another guard takes over) and waits for it to exit.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("release".AsMemory(), cancellationToken).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            _process.StandardInput.Close();
            await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The guard is gone already (killed, or fired): nothing to stand down.
        }
    }

    /// <summary>Closes the pipe without the word: the guard fires, as it would at Convey's death.</summary>
    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The guard is gone already.
        }

        _process.Dispose();
    }

    /// <summary>Ends a guard that never got armed, so it cannot fire later.</summary>
    private void Kill()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }

        _process.Dispose();
    }

    private static string? Find(string name) =>
        SearchPath.Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
}
