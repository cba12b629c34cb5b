using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Convey.Host.Tests.Infrastructure;

/// <summary>
/// A TOML configuration in a temporary folder: per pool, one proxy frontend (named <c>POOL_in</c>) on a loopback
/// port reserved for the file's lifetime (<see cref="ReservedPort"/>); health checks every second, one failure takes a
/// server down; optionally a stats listener on a reserved port too.
/// </summary>
internal sealed class HostConfigFile : IDisposable
{
    private readonly List<ReservedPort> _ports;

    private HostConfigFile(string folder, string path, IReadOnlyDictionary<string, IPEndPoint> frontends, IPEndPoint? stats, List<ReservedPort> ports)
    {
        Folder = folder;
        Path = path;
        Frontends = frontends;
        Stats = stats;
        _ports = ports;
    }

    public string Folder { get; }

    public string Path { get; }

    /// <summary>Each pool's frontend address, by pool name.</summary>
    public IReadOnlyDictionary<string, IPEndPoint> Frontends { get; }

    /// <summary>The frontend of pool <c>pool</c> (the only one of <see cref="Write"/>).</summary>
    public IPEndPoint Frontend => Frontends["pool"];

    /// <summary>The stats listener, or null when the file has no [stats] table.</summary>
    public IPEndPoint? Stats { get; }

    /// <summary>The stats listener's base URL.</summary>
    public string StatsUrl => $"http://{Stats}";

    /// <summary>Writes a file with one pool named <c>pool</c> holding <paramref name="servers"/>.</summary>
    public static HostConfigFile Write(IReadOnlyList<(string Name, IPEndPoint Address)> servers, bool withStats = true, int drainSeconds = 30) =>
        WritePools([("pool", servers)], withStats, drainSeconds);

    /// <summary>Writes a file with the given pools, each with its own frontend.</summary>
    public static HostConfigFile WritePools(
        IReadOnlyList<(string Pool, IReadOnlyList<(string Name, IPEndPoint Address)> Servers)> pools,
        bool withStats = true,
        int drainSeconds = 30)
    {
        var folder = Directory.CreateTempSubdirectory("convey-host-test-").FullName;
        var ports = new List<ReservedPort>();
        var frontends = new Dictionary<string, IPEndPoint>(StringComparer.Ordinal);
        var toml = new StringBuilder();
        foreach (var (pool, servers) in pools)
        {
            var frontend = Reserve(ports);
            frontends.Add(pool, frontend);
            toml.Append(CultureInfo.InvariantCulture, $"""
                [frontends.{pool}_in]
                listen_addr = "{frontend}"
                backend = "{pool}"
                drain_timeout = {drainSeconds}

                [backends.{pool}]
                health_check_interval = 1
                health_check_timeout = 1
                rise = 1
                fall = 1

                """);
            foreach (var (name, address) in servers)
            {
                toml.Append(CultureInfo.InvariantCulture, $"""
                    [backends.{pool}.servers.{name}]
                    addr = "{address}"

                    """);
            }
        }

        var stats = withStats ? Reserve(ports) : null;
        if (stats is not null)
        {
            toml.Append(CultureInfo.InvariantCulture, $"""
                [stats]
                port = {stats.Port}
                listen_addr = "{stats.Address}"

                """);
        }

        var path = System.IO.Path.Combine(folder, "convey.toml");
        File.WriteAllText(path, toml.ToString());
        return new HostConfigFile(folder, path, frontends, stats, ports);
    }

    /// <summary>Another loopback port, reserved until the file is disposed: for a frontend or stats listener a test adds.</summary>
    public IPEndPoint ReservePort() => Reserve(_ports);

    /// <summary>A listener on one of the file's reserved ports that never accepts, so the host cannot listen there (<see cref="ReservedPort.Occupy"/>).</summary>
    public Socket Occupy(IPEndPoint endPoint) => _ports.Single(p => p.EndPoint.Equals(endPoint)).Occupy();

    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
        foreach (var port in _ports)
        {
            port.Dispose();
        }
    }

    private static IPEndPoint Reserve(List<ReservedPort> ports)
    {
        var port = new ReservedPort();
        ports.Add(port);
        return port.EndPoint;
    }
}
