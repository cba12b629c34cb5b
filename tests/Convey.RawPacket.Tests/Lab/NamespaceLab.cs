using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Convey.RawPacket.Tests.Lab;

/// <summary>
/// The namespace lab of netlab.sh with backends, a client and the real Convey.Host process in it. Namespaces
/// carry a per-process prefix, so concurrent runs do not collide. Disposing stops every process it started
/// and deletes the namespaces, also when the test failed.
/// </summary>
internal sealed class NamespaceLab : IAsyncDisposable
{
    public const string Vip = "198.19.0.2";
    public const string Vip2 = "198.19.0.100";

    /// <summary>The VIP of netlab.sh's <c>routed-vip</c> layouts: on the balancer's lo or a dummy interface, routed to it.</summary>
    public const string RoutedVip = "198.19.2.1";
    public const string Client = "198.19.0.10";
    public const string Backend1 = "198.19.1.11";
    public const string Backend2 = "198.19.1.12";

    /// <summary>The balancer's IPv6 address on eth0 (netlab.sh's VIP6), the IPv6 frontend of passthrough and L3 DSR.</summary>
    public const string Vip6 = "2001:2::2";

    /// <summary>The IPv6 VIP of L2 DSR: on the balancer's eth0 and on the backends' lo (netlab.sh l2dsr-on).</summary>
    public const string Vip6L2 = "2001:2::100";

    /// <summary>The IPv6 VIP of netlab.sh's <c>routed-vip</c> layouts, routed to the balancer.</summary>
    public const string RoutedVip6 = "2001:2:0:1::1";
    public const string Client6 = "2001:2::a";
    public const string Backend1v6 = "2001:2::1:b";
    public const string Backend2v6 = "2001:2::1:c";

    private static readonly string LabDirectory = Path.Combine(AppContext.BaseDirectory, "Lab");
    private readonly Dictionary<string, Process> _backends = [];
    private readonly List<Process> _clients = [];
    private readonly List<string> _files = [];
    private Process? _host;
    private readonly StringBuilder _hostOutput = new();

    private NamespaceLab(string prefix) => Prefix = prefix;

    public string Prefix { get; }

    /// <summary>Why lab tests cannot run here, or null when they can.</summary>
    public static string? WhyUnavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the packet engine lab needs Linux network namespaces";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "the packet engine lab needs root (network namespaces, AF_PACKET, nftables); run the tests as root";
        }

        foreach (var tool in new[] { "ip", "nft", "ethtool", "ping", "python3" })
        {
            if (!Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, tool))))
            {
                return $"'{tool}' is missing (apt-get install iproute2 nftables ethtool iputils-ping python3)";
            }
        }

        if (!File.Exists(HostAssembly))
        {
            return $"the host is not built at {HostAssembly}";
        }

        return CanCreateNamespaces.Value ? null : "this root cannot create network namespaces (a container without CAP_SYS_ADMIN/CAP_NET_ADMIN?)";
    }

    private static readonly Lazy<bool> CanCreateNamespaces = new(() =>
    {
        var probe = $"cv{Environment.ProcessId % 100000}-probe";
        using var add = Process.Start(new ProcessStartInfo("ip", ["netns", "add", probe]) { RedirectStandardError = true })!;
        add.WaitForExit();
        if (add.ExitCode != 0)
        {
            return false;
        }

        using var delete = Process.Start(new ProcessStartInfo("ip", ["netns", "del", probe]) { RedirectStandardError = true })!;
        delete.WaitForExit();
        return true;
    });

    /// <summary>Builds the lab, starts both backends, then runs each of <paramref name="setup"/> (netlab.sh commands with their arguments).</summary>
    public static async Task<NamespaceLab> StartAsync(bool offload = false, bool manualFirewall = false, params string[] setup)
    {
        var lab = new NamespaceLab($"cv{Environment.ProcessId % 100000}-");
        try
        {
            await lab.LabAsync("up", offload, manualFirewall);
            lab.StartBackend("b1");
            lab.StartBackend("b2");
            // Health checks start with the host: backends that are not listening yet would begin "down".
            await lab.WaitUntilServingAsync($"http://{Backend1}:8080/");
            await lab.WaitUntilServingAsync($"http://{Backend2}:8080/");
            foreach (var command in setup)
            {
                await lab.LabAsync(command);
            }

            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    public string Namespace(string host) => Prefix + host;

    /// <summary>Runs netlab.sh with <paramref name="command"/> (its arguments separated by spaces).</summary>
    public Task LabAsync(string command, bool offload = false, bool manualFirewall = false) =>
        LabProcess.RunAsync("bash", [Path.Combine(LabDirectory, "netlab.sh"), .. command.Split(' ')], new Dictionary<string, string>
        {
            ["PREFIX"] = Prefix,
            ["OFFLOAD"] = offload ? "on" : "off",
            ["FW"] = manualFirewall ? "on" : "off",
        });

    public void StartBackend(string name) =>
        _backends[name] = LabProcess.Start("ip", ["netns", "exec", Namespace(name), "python3", Path.Combine(LabDirectory, "backend.py"), name, "8080"]);

    public async Task StopBackendAsync(string name)
    {
        var backend = _backends[name];
        backend.Kill();
        await backend.WaitForExitAsync();
        _backends.Remove(name);
    }

    /// <summary>Starts Convey.Host in the balancer's namespace with <paramref name="toml"/> and the mode flag.</summary>
    public void StartHost(string toml, string modeFlag)
    {
        var config = Path.Combine(Path.GetTempPath(), $"{Prefix}{Guid.NewGuid():N}.toml");
        File.WriteAllText(config, toml);
        _files.Add(config);
        _host = LabProcess.Start("ip", ["netns", "exec", Namespace("lb"), "dotnet", HostAssembly, "--config", config, modeFlag], _hostOutput);
    }

    /// <summary>Replaces the running host's configuration file with <paramref name="toml"/> (the host reloads it by itself).</summary>
    public void ReplaceConfig(string toml) => File.WriteAllText(_files[^1], toml);

    /// <summary>Stops the host the way an operator does (SIGTERM) and waits for it to exit.</summary>
    public async Task StopHostAsync()
    {
        if (_host is null)
        {
            return;
        }

        await LabProcess.RunAsync("kill", ["-TERM", _host.Id.ToString(CultureInfo.InvariantCulture)]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _host.WaitForExitAsync(timeout.Token);
        _host = null;
    }

    public string HostOutput
    {
        get
        {
            lock (_hostOutput)
            {
                return _hostOutput.ToString();
            }
        }
    }

    /// <summary>Runs <paramref name="count"/> GET requests from the client; one result line each ("ok ..." or "err ...").</summary>
    public async Task<string[]> GetAsync(string url, int count) =>
        (await LabProcess.RunAsync("ip", ["netns", "exec", Namespace("cl"), "python3", Path.Combine(LabDirectory, "client.py"), "get", url, count.ToString(CultureInfo.InvariantCulture)]))
        .Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Sends <paramref name="bursts"/> bursts, <paramref name="gap"/> apart, of <paramref name="count"/> bare TCP ACKs
    /// from the client to <paramref name="host"/>:<paramref name="port"/>, each from a port no connection uses: what
    /// any client can send without ever opening a connection.
    /// </summary>
    public async Task StrayAcksAsync(string host, int port, int count, int bursts, TimeSpan gap) =>
        Assert.Equal($"ok {count * bursts}", (await LabProcess.RunAsync("ip", ["netns", "exec", Namespace("cl"), "python3", Path.Combine(LabDirectory, "client.py"), "acks", host,
            port.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture), bursts.ToString(CultureInfo.InvariantCulture),
            gap.TotalSeconds.ToString(CultureInfo.InvariantCulture)])).Trim());

    /// <summary>Downloads <paramref name="url"/> from the client and returns "ok &lt;sha256&gt; &lt;bytes&gt;" or "err ...".</summary>
    public async Task<string> Sha256Async(string url) =>
        (await LabProcess.RunAsync("ip", ["netns", "exec", Namespace("cl"), "python3", Path.Combine(LabDirectory, "client.py"), "sha256", url])).Trim();

    /// <summary>
    /// Downloads <paramref name="path"/> from [<paramref name="host6"/>]:<paramref name="port"/> and, once the server has
    /// filled the client's window, sends the ICMPv6 packet too big (<paramref name="mtu"/>) that a router between the
    /// balancer and the client would send about the download's last segment. Returns "ok &lt;largest packet before&gt;
    /// &lt;largest packet after&gt; &lt;packets after&gt; &lt;sha256&gt; &lt;bytes&gt;" or "err ..." (client.py toobig).
    /// </summary>
    public async Task<string> DownloadThroughNarrowerPathAsync(string host6, int port, string path, int mtu) =>
        (await LabProcess.RunAsync("ip", ["netns", "exec", Namespace("cl"), "python3", Path.Combine(LabDirectory, "client.py"), "toobig", host6,
            port.ToString(CultureInfo.InvariantCulture), path, mtu.ToString(CultureInfo.InvariantCulture)])).Trim();

    /// <summary>
    /// Starts client.py in the client's namespace with <paramref name="arguments"/> and returns at once: the process and
    /// its output so far (a long transfer runs while the test does something else).
    /// </summary>
    public (Process Process, Func<string> Output) StartClient(params string[] arguments)
    {
        var output = new StringBuilder();
        var process = LabProcess.Start("ip", ["netns", "exec", Namespace("cl"), "python3", Path.Combine(LabDirectory, "client.py"), .. arguments], output);
        _clients.Add(process);
        return (process, () =>
        {
            lock (output)
            {
                return output.ToString();
            }
        });
    }

    /// <summary>A path for a file that marks a moment for a client (deleted with the lab).</summary>
    public string MarkerPath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"{Prefix}{Guid.NewGuid():N}.marker");
        _files.Add(path);
        return path;
    }

    /// <summary>Waits until a request from the client succeeds (through the balancer: the host is up and its filters are in place).</summary>
    public async Task WaitUntilServingAsync(string url)
    {
        try
        {
            await Eventually.ReturnsAsync(
                async () => _host is { HasExited: true }
                    ? throw new InvalidOperationException($"Convey.Host exited with {_host.ExitCode}:\n{HostOutput}")
                    : (await GetAsync(url, 1)).FirstOrDefault(),
                result => result?.StartsWith("ok", StringComparison.Ordinal) == true,
                $"{url} is served",
                TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nHost output:\n{HostOutput}", ex);
        }
    }

    /// <summary>Runs a command in one of the lab's namespaces and returns its output.</summary>
    public Task<string> InAsync(string host, params string[] command) =>
        LabProcess.RunAsync("ip", ["netns", "exec", Namespace(host), .. command]);

    public async ValueTask DisposeAsync()
    {
        if (_host is { HasExited: false })
        {
            _host.Kill();
            await _host.WaitForExitAsync();
        }

        foreach (var process in _backends.Values.Concat(_clients).Where(p => !p.HasExited))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        await LabAsync("down");
        foreach (var file in _files)
        {
            File.Delete(file);
        }
    }

    public static string HostAssembly
    {
        get
        {
            // tests/Convey.RawPacket.Tests/bin/<Configuration>/net10.0/ -> samples/Convey.Host/bin/<Configuration>/net10.0/
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = output.Name;
            var configuration = output.Parent!.Name;
            var root = output.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(root, "samples", "Convey.Host", "bin", configuration, framework, "Convey.Host.dll");
        }
    }
}
