using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Fleet.Tests.Consistency;

/// <summary>
/// Ten servers on loopback, each answering every connection with its number (one byte) and closing it, and Convey.Host
/// instances that balance over them with a Maglev pool: which server an instance picked for a client is seen from
/// outside. Disposing stops the servers and removes the instances' files (the instances are disposed by their owner).
/// </summary>
internal sealed class NumberedServers : IAsyncDisposable
{
    public const int Count = 10;
    private readonly TestServer[] _servers;
    private readonly ConcurrentBag<ReservedPort> _ports = [];
    private readonly ConcurrentBag<string> _folders = [];

    private NumberedServers(TestServer[] servers) => _servers = servers;

    public static NumberedServers Start() =>
        new([.. Enumerable.Range(0, Count).Select(n => TestServer.Start(async (socket, ct) =>
        {
            await socket.SendAsync(new[] { (byte)n }, SocketFlags.None, ct);
            socket.Shutdown(SocketShutdown.Send);
        }))]);

    /// <summary>Stops server <paramref name="n"/> listening: connections to it are refused from then on.</summary>
    public Task StopAsync(int n) => _servers[n].StopListeningAsync();

    /// <summary>
    /// Starts an instance whose pool (<c>maglev_source</c>, probed every second) lists the servers in an order and under
    /// names drawn from <paramref name="seed"/>, server <paramref name="weightZero"/> (if any) at weight 0; returns once
    /// its pool has every other server healthy.
    /// </summary>
    public async Task<LoopbackInstance> StartInstanceAsync(int seed, int? weightZero = null)
    {
        var frontend = new ReservedPort();
        var stats = new ReservedPort();
        _ports.Add(frontend);
        _ports.Add(stats);
        var toml = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"""
            [frontends.web]
            listen_addr = "{frontend.EndPoint}"
            backend = "app"

            [backends.app]
            balance = "maglev_source"
            health_check_interval = 1

            [stats]
            port = {stats.Port}

            """));
        var order = Enumerable.Range(0, Count).ToArray();
        new Random(seed).Shuffle(order);
        foreach (var n in order)
        {
            toml.Append(CultureInfo.InvariantCulture, $"""

                [backends.app.servers.instance{seed}_server{n}]
                addr = "{_servers[n].EndPoint}"
                weight = {(n == weightZero ? 0 : 1)}

                """);
        }

        var folder = Directory.CreateTempSubdirectory("convey-fleet-test-").FullName;
        _folders.Add(folder);
        var config = Path.Combine(folder, "convey.toml");
        await File.WriteAllTextAsync(config, toml.ToString());
        // Tiered compilation halves the start of a host on a busy machine; the tables do not depend on it.
        var host = HostProcess.Start(["--config", config], environment: new Dictionary<string, string> { ["DOTNET_TieredCompilation"] = "1" });
        var instance = new LoopbackInstance(host, frontend.EndPoint, stats.EndPoint);
        try
        {
            var expected = weightZero is null ? Count : Count - 1;
            await Eventually.ReturnsAsync(
                async () => host.HasExited ? throw new InvalidOperationException($"the host exited:\n{host.Output}\n{host.Error}") : await instance.HealthyServersAsync(),
                healthy => healthy == expected,
                $"the instance's pool has {expected} healthy servers",
                TimeSpan.FromSeconds(60));
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        foreach (var port in _ports)
        {
            port.Dispose();
        }

        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
