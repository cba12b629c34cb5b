using System.Globalization;
using System.Net;
using System.Text;

namespace Convey.Host.Tests.Infrastructure;

/// <summary>A TOML configuration in a temporary folder: one proxy frontend on a free port over the given servers.</summary>
internal sealed class HostConfigFile : IDisposable
{
    private HostConfigFile(string folder, string path, IPEndPoint frontend, IPEndPoint? stats)
    {
        Folder = folder;
        Path = path;
        Frontend = frontend;
        Stats = stats;
    }

    public string Folder { get; }

    public string Path { get; }

    public IPEndPoint Frontend { get; }

    /// <summary>The stats listener, or null when the file has no [stats] table.</summary>
    public IPEndPoint? Stats { get; }

    /// <summary>Writes the file; <paramref name="servers"/> map server names to addresses of pool <c>pool</c>.</summary>
    public static HostConfigFile Write(IReadOnlyList<(string Name, IPEndPoint Address)> servers, bool withStats = true, int drainSeconds = 30)
    {
        var folder = Directory.CreateTempSubdirectory("convey-host-test-").FullName;
        var frontend = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
        var stats = withStats ? new IPEndPoint(IPAddress.Loopback, FreePort.Next()) : null;
        var toml = new StringBuilder();
        toml.Append(CultureInfo.InvariantCulture, $"""
            [frontends.web]
            listen_addr = "{frontend}"
            backend = "pool"
            drain_timeout = {drainSeconds}

            [backends.pool]
            health_check_interval = 1
            health_check_timeout = 1
            rise = 1
            fall = 1

            """);
        foreach (var (name, address) in servers)
        {
            toml.Append(CultureInfo.InvariantCulture, $"""
                [backends.pool.servers.{name}]
                addr = "{address}"

                """);
        }

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
        return new HostConfigFile(folder, path, frontend, stats);
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
