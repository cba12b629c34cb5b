using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using dotnet_etcd;
using Etcdserverpb;

namespace Convey.Testing;

/// <summary>
/// A real etcd (Debian's etcd-server) for a test: one member on two reserved loopback ports (client and peer) with
/// its data in a temporary directory. It can be killed and started again on the same ports and data (an outage), and
/// it is killed, and its directory removed, when disposed; a test process that ends without disposing it kills it
/// on exit. <see cref="Client"/> is the test's own connection, for puts, deletes and compactions.
/// </summary>
public sealed class EtcdServer : IAsyncDisposable
{
    /// <summary>Where Debian installs etcd.</summary>
    public const string Binary = "/usr/bin/etcd";

    private static readonly ConcurrentDictionary<Process, bool> Running = new();
    private readonly ReservedPort _clientPort = new();
    private readonly ReservedPort _peerPort = new();
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("convey-etcd-");
    private readonly string[] _extraArguments;
    private readonly StringBuilder _output = new();
    private Process? _process;

    static EtcdServer() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var process in Running.Keys)
        {
            Kill(process);
        }
    };

    private EtcdServer(string[] extraArguments, Func<string, EtcdClient>? client)
    {
        _extraArguments = extraArguments;
        // Reconnecting at least every 500 ms: gRPC's own backoff grows to two minutes while etcd is down or starting.
        Client = client?.Invoke(Endpoint) ?? new EtcdClient("http://" + Endpoint, configureChannelOptions: FastReconnect);
    }

    /// <summary>The client endpoint, <c>127.0.0.1:port</c>.</summary>
    public string Endpoint => $"127.0.0.1:{_clientPort.Port}";

    /// <summary>The client port.</summary>
    public int Port => _clientPort.Port;

    /// <summary>The test's own client.</summary>
    public EtcdClient Client { get; }

    /// <summary>What etcd printed so far (for failure messages).</summary>
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

    /// <summary>
    /// Starts etcd and waits until it answers. <paramref name="extraArguments"/> are added to etcd's command line
    /// (TLS files, for example); <paramref name="client"/> builds the test's client for the endpoint when plain HTTP
    /// will not do. Skips (fails under CI) when etcd is not installed.
    /// </summary>
    public static async Task<EtcdServer> StartAsync(string[]? extraArguments = null, Func<string, EtcdClient>? client = null)
    {
        Prerequisite.RequireFile(Binary, "the etcd tests run a real etcd (Debian package etcd-server, installed by .ci/run)");
        var server = new EtcdServer(extraArguments ?? [], client);
        try
        {
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the killed etcd again on the same ports and data, and waits until it answers.</summary>
    public async Task StartAgainAsync()
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("etcd is running; kill it first.");
        }

        var scheme = _extraArguments.Any(a => a.StartsWith("--cert-file", StringComparison.Ordinal)) ? "https" : "http";
        var client = $"{scheme}://{Endpoint}";
        var peer = $"http://127.0.0.1:{_peerPort.Port}";
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
                 {
                     "--name", "convey-test", "--data-dir", _data.FullName,
                     "--listen-client-urls", client, "--advertise-client-urls", client,
                     "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                     "--initial-cluster", $"convey-test={peer}", "--logger", "zap", "--log-level", "warn",
                 }.Concat(_extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("etcd did not start.");
        Running[process] = true;
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Eventually.TrueAsync(() => Answers() || process.HasExited, $"etcd answers on {Endpoint}");
        if (process.HasExited)
        {
            throw new InvalidOperationException($"etcd exited with {process.ExitCode}: {Output}");
        }
    }

    /// <summary>Kills etcd at once (SIGKILL), as a crash would, and waits until it is gone.</summary>
    public void Kill()
    {
        if (_process is { } process)
        {
            Kill(process);
            Running.TryRemove(process, out _);
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Channel options for a test's client of etcd: reconnect within 500 ms once etcd listens again.</summary>
    public static void FastReconnect(Grpc.Net.Client.GrpcChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.InitialReconnectBackoff = TimeSpan.FromMilliseconds(100);
        options.MaxReconnectBackoff = TimeSpan.FromMilliseconds(500);
    }

    /// <summary>Puts <paramref name="value"/> under <paramref name="key"/>; returns the new revision.</summary>
    public async Task<long> PutAsync(string key, string value) => (await Client.PutAsync(key, value)).Header.Revision;

    /// <summary>Deletes <paramref name="key"/>; returns the new revision.</summary>
    public async Task<long> DeleteAsync(string key) => (await Client.DeleteAsync(key)).Header.Revision;

    /// <summary>Compacts the history up to <paramref name="revision"/>: older revisions can no longer be watched.</summary>
    public Task CompactAsync(long revision) => Client.CompactAsync(new CompactionRequest { Revision = revision, Physical = true });

    /// <summary>Kills etcd and removes its data.</summary>
    public ValueTask DisposeAsync()
    {
        Kill();
        Client.Dispose();
        _clientPort.Dispose();
        _peerPort.Dispose();
        try
        {
            _data.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still being closed by the killed process; the temporary directory is cleaned by the system.
        }

        return ValueTask.CompletedTask;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private bool Answers()
    {
        try
        {
            Client.Get("convey-test-probe", deadline: DateTime.UtcNow.AddSeconds(1));
            return true;
        }
        catch (Exception ex) when (ex is Grpc.Core.RpcException or OperationCanceledException)
        {
            // Not listening yet (refused), or not answering within the deadline (still starting).
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
