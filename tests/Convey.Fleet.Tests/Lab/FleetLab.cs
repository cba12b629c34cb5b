using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Fleet.Tests.Lab;

/// <summary>
/// The fleet of fleetlab.sh: a router with BIRD and kernel ECMP, three balancer nodes each with its own BIRD, two
/// backends and a client, in network namespaces with a per-process prefix; the real Convey.Host runs on the balancer
/// nodes. Disposing stops every process it started (and everything else running in its namespaces) and deletes the
/// namespaces, also when the test failed.
/// </summary>
internal sealed class FleetLab : IAsyncDisposable
{
    public const string Vip = "198.18.4.1";
    public const int Port = 8080;
    public const int StatsPort = 7000;
    public const int Balancers = 3;
    public const int EtcdPort = 2379;
    public static readonly string[] Backends = ["b1", "b2"];
    private static readonly Dictionary<string, string> Addresses = new()
    {
        ["lb1"] = "198.18.3.21", ["lb2"] = "198.18.3.22", ["lb3"] = "198.18.3.23", ["b1"] = "198.18.3.11", ["b2"] = "198.18.3.12",
    };

    private static readonly string LabDirectory = Path.Combine(AppContext.BaseDirectory, "Lab");
    private readonly Dictionary<int, HostProcess> _balancers = [];
    private readonly Dictionary<string, Process> _backends = [];
    private readonly List<Process> _clients = [];
    private readonly List<string> _files = [];

    private FleetLab(string prefix) => Prefix = prefix;

    public string Prefix { get; }

    /// <summary>Where the lab keeps each node's BIRD (control socket <c>lbN/bird.ctl</c>) and etcd's data.</summary>
    public string RunDirectory => $"/run/{Prefix}fleet";

    /// <summary>Why the fleet tests cannot run here, or null when they can.</summary>
    public static string? WhyUnavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the fleet lab needs Linux network namespaces";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "the fleet lab needs root (network namespaces, BIRD, AF_PACKET); run the tests as root";
        }

        var path = Environment.GetEnvironmentVariable("PATH")!.Split(':');
        foreach (var tool in new[] { "ip", "nft", "ethtool", "ping", "python3", "bird", "birdc" })
        {
            if (!path.Any(d => File.Exists(Path.Combine(d, tool))))
            {
                return $"'{tool}' is missing (apt-get install iproute2 nftables ethtool iputils-ping python3 bird2)";
            }
        }

        return null;
    }

    /// <summary>Builds the lab (BGP sessions established, nothing announced yet) and starts both backends.</summary>
    public static async Task<FleetLab> StartAsync()
    {
        var lab = new FleetLab($"cvf{Environment.ProcessId % 100000}-");
        try
        {
            await lab.LabAsync("up");
            foreach (var backend in Backends)
            {
                lab._backends[backend] = LabProcess.Start("ip", ["netns", "exec", lab.Namespace(backend), "python3", Path.Combine(LabDirectory, "backend.py"), backend, Port.ToString(CultureInfo.InvariantCulture)]);
            }

            // Health checks start with the balancers: backends that are not listening yet would begin "down".
            foreach (var backend in Backends)
            {
                await Eventually.ReturnsAsync<string?>(
                    async () => await lab.TryInAsync("cl", "bash", "-c", $"exec 3<>/dev/tcp/{Addresses[backend]}/{Port}"),
                    answer => answer is not null,
                    $"backend {backend} listens");
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

    /// <summary>The BIRD control socket of balancer node <paramref name="node"/>.</summary>
    public string BirdSocket(int node) => $"{RunDirectory}/lb{node}/bird.ctl";

    /// <summary>Runs fleetlab.sh with <paramref name="command"/> (its arguments separated by spaces).</summary>
    public Task<string> LabAsync(string command) =>
        LabProcess.RunAsync("bash", [Path.Combine(LabDirectory, "fleetlab.sh"), .. command.Split(' ')], new Dictionary<string, string> { ["PREFIX"] = Prefix, ["RUN"] = RunDirectory });

    /// <summary>Starts Convey.Host on balancer node <paramref name="node"/> with <paramref name="toml"/>.</summary>
    public HostProcess StartBalancer(int node, string toml)
    {
        var config = Path.Combine(Path.GetTempPath(), $"{Prefix}lb{node}-{Guid.NewGuid():N}.toml");
        File.WriteAllText(config, toml);
        _files.Add(config);
        return StartBalancer(node, ["--config", config]);
    }

    /// <summary>Starts Convey.Host on balancer node <paramref name="node"/> with the command line <paramref name="arguments"/>.</summary>
    public HostProcess StartBalancer(int node, string[] arguments)
    {
        // Tiered compilation halves the start of a host on a busy machine; what is measured here does not depend on it.
        var host = HostProcess.Start(
            arguments,
            environment: new Dictionary<string, string> { ["DOTNET_TieredCompilation"] = "1" },
            launcher: ["ip", "netns", "exec", Namespace($"lb{node}")]);
        _balancers[node] = host;
        return host;
    }

    public HostProcess Balancer(int node) => _balancers[node];

    /// <summary>
    /// Starts Convey on every balancer node with the fleet configuration in <paramref name="mode"/>, each announcing the
    /// VIP through its node's BIRD (<c>[announce]</c>), and waits until the router sends the VIP to all of them.
    /// </summary>
    public async Task StartAnnouncingFleetAsync(string mode)
    {
        for (var node = 1; node <= Balancers; node++)
        {
            StartBalancer(node, FleetConfig.Toml(mode, $"""
                [announce]
                bird_socket = "{BirdSocket(node)}"
                protocol = "vip"
                withdraw_delay = 2
                """));
        }

        await WaitForNextHopsAsync(1, 2, 3);
    }

    /// <summary>Waits until balancer node <paramref name="node"/>'s <c>/readyz</c> says it is fit to serve (frontends listening, pools healthy).</summary>
    public async Task WaitUntilReadyAsync(int node)
    {
        var host = _balancers[node];
        await Eventually.ReturnsAsync(
            async () => host.HasExited
                ? throw new InvalidOperationException($"Convey.Host on lb{node} exited:\n{host.Output}\n{host.Error}")
                : await TryInAsync($"lb{node}", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", $"http://127.0.0.1:{StatsPort}/readyz"),
            code => code == "200",
            $"Convey on lb{node} is ready",
            TimeSpan.FromSeconds(60));
    }

    /// <summary>The <c>total_connections</c> balancer node <paramref name="node"/> has accepted (its /stats).</summary>
    public async Task<long> TotalConnectionsAsync(int node)
    {
        using var stats = JsonDocument.Parse(await InAsync($"lb{node}", "curl", "-sf", $"http://127.0.0.1:{StatsPort}/stats"));
        return stats.RootElement.GetProperty("total_connections").GetInt64();
    }

    /// <summary>Starts etcd on the router's segment address (<see cref="EtcdEndpoint"/>), reachable from every balancer node.</summary>
    public Task StartEtcdAsync() => LabAsync($"etcd-up {EtcdPort}");

    /// <summary>Where <see cref="StartEtcdAsync"/>'s etcd answers.</summary>
    public static string EtcdEndpoint => $"198.18.3.1:{EtcdPort}";

    /// <summary>Puts <paramref name="value"/> under <paramref name="key"/> (etcd's JSON gateway) and returns the revision it made.</summary>
    public async Task<long> EtcdPutAsync(string key, string value)
    {
        var body = JsonSerializer.Serialize(new { key = Convert.ToBase64String(Encoding.UTF8.GetBytes(key)), value = Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) });
        using var reply = JsonDocument.Parse(await InAsync("rt", "curl", "-sf", "-X", "POST", $"http://{EtcdEndpoint}/v3/kv/put", "-d", body));
        return long.Parse(reply.RootElement.GetProperty("header").GetProperty("revision").GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>The balancer addresses the router's route to the VIP goes through (none when nothing is announced).</summary>
    public async Task<string[]> NextHopsAsync()
    {
        var route = await LabProcess.RunAsync("ip", ["-n", Namespace("rt"), "route", "show", Vip]);
        return [.. System.Text.RegularExpressions.Regex.Matches(route, @"via (\S+)").Select(m => Addresses.Single(a => a.Value == m.Groups[1].Value).Key)];
    }

    /// <summary>Waits until the router sends the VIP to exactly <paramref name="nodes"/> (balancer numbers).</summary>
    public Task WaitForNextHopsAsync(params int[] nodes)
    {
        var expected = string.Join(",", nodes.Order().Select(n => $"lb{n}"));
        return Eventually.ReturnsAsync(async () => string.Join(",", (await NextHopsAsync()).Order()), hops => hops == expected, $"the router's next hops for the VIP are {expected}", TimeSpan.FromSeconds(30));
    }

    /// <summary>Kills backend <paramref name="name"/>'s server process: its port refuses connections from then on.</summary>
    public async Task StopBackendAsync(string name)
    {
        var backend = _backends[name];
        backend.Kill();
        await backend.WaitForExitAsync();
    }

    /// <summary>Balancer node <paramref name="node"/> is lost as a machine (fleetlab.sh lose-node).</summary>
    public Task LoseNodeAsync(int node) => LabAsync($"lose-node {node}");

    /// <summary>
    /// Starts client.py in the client's namespace with <paramref name="arguments"/> and returns at once: the process
    /// and its output so far.
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

    /// <summary>Runs a command in one of the lab's namespaces and returns its output.</summary>
    public Task<string> InAsync(string host, params string[] command) =>
        LabProcess.RunAsync("ip", ["netns", "exec", Namespace(host), .. command]);

    public async ValueTask DisposeAsync()
    {
        foreach (var balancer in _balancers.Values)
        {
            await balancer.DisposeAsync();
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

    private async Task<string?> TryInAsync(string host, params string[] command)
    {
        try
        {
            return (await InAsync(host, command)).Trim();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
